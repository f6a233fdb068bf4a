/**
 * The Packs view's persistent state: the pack on screen (its file text, so it opens again with the
 * workspace), the build form and the reviewer's name. The pack itself is re-read (and its hash
 * checked) by the engine when the workspace opens; nothing here is trusted as a pack.
 */
import { z } from 'zod';

export const packBuildFormSchema = z.object({
  /** 'tags-view': the Tags view's current tag set; 'file': a tags.json picked by the user. */
  tagSource: z.enum(['tags-view', 'file']),
  table: z.string(),
  /** The entity key column; '' lets the engine pick an id-like column. */
  key: z.string(),
  /** An optional label column to measure precision, recall, F1 and lift against. */
  target: z.string(),
  /** The label value that counts as positive ('' when the label is yes/no, true/false or 1/0). */
  positive: z.string(),
  name: z.string(),
  version: z.string(),
  /** 'none', 'open' (the pack on screen is the parent) or 'file'. */
  parent: z.enum(['none', 'open', 'file']),
});
export type PackBuildForm = z.infer<typeof packBuildFormSchema>;

export const packsWorkspaceStateSchema = z.object({
  /** The pack on screen as file text, and the name it was opened from or will be saved under. */
  open: z.object({ fileName: z.string(), text: z.string(), saved: z.boolean() }).nullable(),
  build: packBuildFormSchema,
  /** Who signs off: remembered between reviews. */
  reviewer: z.string(),
});
export type PacksWorkspaceState = z.infer<typeof packsWorkspaceStateSchema>;

export function emptyPackBuildForm(): PackBuildForm {
  return { tagSource: 'tags-view', table: '', key: '', target: '', positive: '', name: '', version: '1.0.0', parent: 'none' };
}

export function emptyPacksWorkspace(): PacksWorkspaceState {
  return { open: null, build: emptyPackBuildForm(), reviewer: '' };
}
