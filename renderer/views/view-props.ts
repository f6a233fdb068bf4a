import type { EngineClient, TableInfo } from '../../workers/api';

/** Writes bytes to a file the user picks (a save dialog in the desktop app, a download in browser mode). */
export type SaveBytes = (fileName: string, bytes: Uint8Array) => Promise<void>;

/** Saves text as UTF-8 through `saveBytes`. */
export function saveText(saveBytes: SaveBytes, fileName: string, text: string): Promise<void> {
  return saveBytes(fileName, new TextEncoder().encode(text));
}

/** What App gives every view whose state lives in the workspace file (Models, Segments, Tags, Packs). */
export interface WorkspaceViewProps<State> {
  engine: EngineClient;
  tables: TableInfo[];
  workspace: State;
  onWorkspaceChange(next: State): void;
  /** False while another tab covers the view (charts resize when it shows again). */
  visible?: boolean;
  /**
   * The table selected in the catalog: a view's table picker starts on it (and follows it) until the
   * user picks a table in that view.
   */
  selectedTable?: string | null;
}

/**
 * The table a picker shows when the user has not chosen one: the catalog's selection when it is
 * open, else the first table (the catalog lists them alphabetically), else none.
 */
export function defaultTable(tables: readonly TableInfo[], selectedTable: string | null | undefined): string {
  if (selectedTable && tables.some((t) => t.name === selectedTable)) return selectedTable;
  return tables[0]?.name ?? '';
}
