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

export function emptyLabelsWorkspace(): LabelsWorkspaceState {
  return {
    train: { table: '', textColumn: '', labelColumn: '', minPrecision: '0.9', holdout: '0.2' },
    apply: { table: '', outputTable: '', minConfidence: '0', atPrecision: false },
    labeler: null,
    corrections: [],
  };
}
