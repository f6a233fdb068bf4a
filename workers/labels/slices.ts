/**
 * Long label passes (featurising, gradient passes, rule hits) run in slices and yield to the event
 * loop between them, so a cancel message and progress posts get through.
 */

/** Rows per slice of a gradient pass between yields. */
export const ROWS_PER_SLICE = 20_000;

/** Lets the event loop run once (a macrotask, so queued messages are handled). */
export function yieldNow(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
