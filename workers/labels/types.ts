/** Job kinds of the labels area (entity labels from product text), with their parameters and results (re-exported by workers/api). */
import type { DataSourceRef, TableInfo } from '../data/types';
import type { CoverageAt, LabelQuality, LabelReport } from './labeler';
import type { CurvePoint } from './metrics';
import type { LabelerFile } from './model-file';
import type { LabelRule } from './rules';
import type { ValueSpec, ValueSummary } from '../tags/value-data';
import type { ValueStats } from '../tags/value-stats';

export type { CoverageAt, LabelQuality, LabelReport, CurvePoint, LabelerFile, LabelRule };

export interface LabelsTrainParams {
  source: DataSourceRef;
  textColumn: string;
  labelColumn: string;
  /** Share of labelled rows held out for calibration, thresholds and the report (default 0.2). */
  holdout?: number;
  /** Precision each label's threshold is chosen for (default 0.9). */
  minPrecision?: number;
  seed?: number;
  epochs?: number;
  /** Inverse L2 strength (default 1, applied lazily). */
  c?: number;
  /** Mine keyword rules and try them before the classifier (default true). */
  keywordRules?: boolean;
  /** Reviewed rows (accepted or corrected labels) added to the training rows. */
  corrections?: Array<{ text: string; label: string }>;
}

export interface LabelerSummary {
  labelerId: string;
  textColumn: string;
  labelColumn: string;
  classes: string[];
  rules: LabelRule[];
  report: LabelReport;
}

export interface LabelsApplyParams {
  labelerId: string;
  source: DataSourceRef;
  /** Defaults to the column the labeler was trained on. */
  textColumn?: string;
  /** Writes the input rows, in input order, plus label, confidence and label_source. */
  outputTable: string;
  /** Leaves `label` empty below this confidence (default 0: always the best label). */
  minConfidence?: number;
  /** Leaves `label` empty where the label's own precision threshold is not met. */
  precisionThresholds?: boolean;
}

export interface LabelsApplyResult {
  table: TableInfo;
  rows: number;
  /** Rows with a label, by where it came from. */
  labelled: { rules: number; classifier: number };
  /** Rows left without a label: no word in the text, or below the confidence asked for. */
  unlabelled: number;
  emptyText: number;
  warnings: string[];
  elapsedMs: number;
}

export interface LabelsEvalParams {
  labelerId: string;
  source: DataSourceRef;
  labelColumn: string;
  textColumn?: string;
  /** A value (GMV) per row: every label is then judged like a tag (rows it is assigned to at the labeler's thresholds). */
  value?: ValueSpec;
}

export interface LabelEvaluation {
  rows: number;
  /** Rows whose label the labeler never saw in training (counted as wrong). */
  unknownLabels: number;
  withoutLabel: number;
  accuracy: number;
  macroF1: number;
  coverageAt: CoverageAt;
  /** With the labeler's own thresholds (and rules): precision of assigned labels, share assigned. */
  atThresholds: { precision: number | null; coverage: number; fromRules: number };
  curve: CurvePoint[];
  /** With a value: per label, its rows' share of the total value, lift, mean and difference to the rest (95% intervals). */
  value?: ValueSummary & { labels: Array<{ label: string; stats: ValueStats }> };
}

export interface LabelsReviewParams {
  labelerId: string;
  source: DataSourceRef;
  textColumn?: string;
  /** Rows returned at most (default 200). */
  limit?: number;
}

export interface ReviewRow {
  /** 0-based row number in the source. */
  row: number;
  text: string;
  best: string | null;
  confidence: number;
  second: string | null;
  secondConfidence: number;
}

export interface LabelsReviewResult {
  /** Rows the labeler leaves unlabelled at its thresholds, most uncertain first (smallest margin between the two best labels). */
  rows: ReviewRow[];
  unlabelled: number;
  total: number;
}

export interface LabelJobs {
  /** Trains a labeler (keyword rules + softmax classifier) on a table's text and label columns. */
  'labels.train': { params: LabelsTrainParams; result: LabelerSummary };
  /** The labeler as a versioned JSON file (what `assay labels apply` runs). */
  'labels.export': { params: { labelerId: string }; result: LabelerFile };
  /** Loads a labeler file; a file of another kind or a newer version is refused. */
  'labels.load': { params: { file: unknown }; result: LabelerSummary };
  /** Labels every row of a table or query into a new table (input order kept). */
  'labels.apply': { params: LabelsApplyParams; result: LabelsApplyResult };
  /** Accuracy, macro-F1 and coverage at 90/95/99% precision on labelled data. */
  'labels.eval': { params: LabelsEvalParams; result: LabelEvaluation };
  /** The rows the labeler is least sure of, for review. */
  'labels.review': { params: LabelsReviewParams; result: LabelsReviewResult };
  /** Drops a loaded labeler from the engine (the Labels view does when it trains or loads another); released false when it was not loaded. */
  'labels.release': { params: { labelerId: string }; result: { released: boolean } };
}
