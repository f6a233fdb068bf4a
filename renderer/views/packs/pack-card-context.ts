import type { ReactNode } from 'react';

/** What the cards that act on a table (check, apply, compare) share: the table picker's options and whether a job runs. */
export interface PackTableActions {
  /** The `<option>`s of the open tables. */
  tableOptions: ReactNode;
  /** A long job runs (apply, check, compare, build): the card's action waits. */
  jobRunning: boolean;
}
