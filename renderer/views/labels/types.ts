/**
 * The Labels view's persistent state, kept in the workspace file: the training form (table, text
 * and label columns, target precision, held-out share), the labelling form (table, output, minimum
 * confidence, per-label thresholds), the trained labeler as its labeler file (vocabulary, weights,
 * thresholds and held-out report; loaded into the engine again when the workspace is opened), and
 * the review decisions (accepted or corrected rows, which become training rows on retrain).
 */
import { z } from 'zod';
import type { LabelerFile } from '../../../workers/api';

export const labelsTrainFormSchema = z.object({
  table: z.string(),
  textColumn: z.string(),
  labelColumn: z.string(),
  minPrecision: z.string(),
  holdout: z.string(),
});

export const labelsApplyFormSchema = z.object({
  table: z.string(),
  outputTable: z.string(),
  minConfidence: z.string(),
  atPrecision: z.boolean(),
});

export const labelsCorrectionSchema = z.object({
  /** The row of the review list's table it came from. */
  row: z.number().int().nonnegative(),
  text: z.string(),
  /** The label the reviewer gave (the guess accepted, or a correction). */
  label: z.string(),
});

/** A labeler file as the engine's labels.export writes it; the engine checks the rest when it loads it. */
const labelerFileSchema = z.custom<LabelerFile>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value) && (value as { kind?: unknown }).kind === 'assay-labeler',
  { message: 'expected an Assay labeler (kind "assay-labeler")' },
);

export const labelsWorkspaceStateSchema = z.object({
  train: labelsTrainFormSchema,
  apply: labelsApplyFormSchema,
  /** The last labeler trained (or loaded), with its report; null before the first. */
  labeler: labelerFileSchema.nullable(),
  corrections: z.array(labelsCorrectionSchema),
});

export type LabelsWorkspaceState = z.infer<typeof labelsWorkspaceStateSchema>;

/**
 * The most JSON a labeler may take in the workspace. Its weights are base64 in the file (up to
 * ~210 MB for the largest vocabularies), and the workspace is written on every change and
 * loaded into the engine on every open: above this the workspace keeps the rest without it.
 */
export const WORKSPACE_LABELER_MAX_CHARS = 20_000_000;

/**
 * The labeler as the workspace keeps it: the file itself up to the cap, else null and what to tell
 * the user. `openedFrom` names the file a labeler was opened from: it is on disk already, so the
 * user is told to open it again rather than to save it.
 */
export function labelerForWorkspace(file: LabelerFile, maxChars = WORKSPACE_LABELER_MAX_CHARS, openedFrom?: string): { labeler: LabelerFile | null; notice: string | null } {
  const chars = JSON.stringify(file).length;
  if (chars <= maxChars) return { labeler: file, notice: null };
  const mb = (n: number): string => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`;
  if (openedFrom !== undefined) {
    return {
      labeler: null,
      notice: `This labeler is too large to keep in the workspace (${mb(chars)}; the limit is ${mb(maxChars)}), so the workspace keeps the forms and review decisions without it. Open ${openedFrom} again with "Open labeler…" when you reopen the workspace.`,
    };
  }
  return {
    labeler: null,
    notice:
      `This labeler is too large to keep in the workspace (${mb(chars)}; the limit is ${mb(maxChars)}), so the workspace keeps the forms and review decisions without it. ` +
      'Save it now with "Save labeler…" and open that file again later with "Open labeler…" (assay labels apply runs it too); after the app closes it is otherwise gone and has to be trained again.',
  };
}

export function emptyLabelsWorkspace(): LabelsWorkspaceState {
  return {
    train: { table: '', textColumn: '', labelColumn: '', minPrecision: '0.9', holdout: '0.2' },
    apply: { table: '', outputTable: '', minConfidence: '0', atPrecision: false },
    labeler: null,
    corrections: [],
  };
}
