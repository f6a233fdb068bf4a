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
}
