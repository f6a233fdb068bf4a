/** Pure helpers of the Labels view: which columns can be text or labels, and figures in words. */
import type { ColumnInfo, LabelReport, ReviewRow } from '../../../workers/api';

/** Columns that can hold product text: text columns (VARCHAR and the like). */
export function textColumns(columns: readonly ColumnInfo[]): ColumnInfo[] {
  return columns.filter((c) => /^(VARCHAR|TEXT|STRING|CHAR|ENUM)/i.test(c.type));
}

/** The default text column: the text column with a name that sounds like a title, else the first text column. */
export function defaultTextColumn(columns: readonly ColumnInfo[]): string {
  const text = textColumns(columns);
  return (text.find((c) => /(title|name|description|desc|text)/i.test(c.name)) ?? text[0])?.name ?? '';
}

/** The default label column: one named like a category, else the first other text column. */
export function defaultLabelColumn(columns: readonly ColumnInfo[], textColumn: string): string {
  const others = textColumns(columns).filter((c) => c.name !== textColumn);
  return (others.find((c) => /(category|label|department|aisle|type|class|brand)/i.test(c.name)) ?? others[0])?.name ?? '';
}

/** A share as a percentage with one decimal ("93.4%"), or "–" when there is none. */
export function percent(value: number | null | undefined): string {
  return value === null || value === undefined || Number.isNaN(value) ? '–' : `${(value * 100).toFixed(1)}%`;
}

/** A reviewed row: the label the reviewer gave it (accepted or corrected). */
export interface Correction {
  row: number;
  text: string;
  label: string;
}

/** Review rows not yet reviewed, in the order the engine gave (least certain first). */
export function pendingReview(rows: readonly ReviewRow[], corrections: readonly Correction[]): ReviewRow[] {
  const done = new Set(corrections.map((c) => c.row));
  return rows.filter((r) => !done.has(r.row));
}

/** Adds or replaces the correction of a row. */
export function withCorrection(corrections: readonly Correction[], next: Correction): Correction[] {
  return [...corrections.filter((c) => c.row !== next.row), next];
}

/** The headline of a report in one line. */
export function reportHeadline(report: LabelReport): string {
  return `${report.classes} labels · accuracy ${percent(report.accuracy)} · macro-F1 ${percent(report.macroF1)} · at precision ${percent(report.minPrecision)}: ${percent(report.overall.coverage)} of held-out rows labelled, ${percent(report.overall.precision)} right`;
}

/** The Labels view's long jobs. */
export type LabelsJob = 'train' | 'review' | 'apply';

/** Why the review queue is not on screen after its job ended without one: cancelled, or failed. */
export interface ReviewIssue {
  cancelled: boolean;
  text: string;
}

/** The review job's end without a queue, in words of its own (not the training's, which ran before it). */
export function reviewIssue(cancelled: boolean, why: string): ReviewIssue {
  return cancelled ? { cancelled, text: 'Building the review queue was cancelled.' } : { cancelled, text: `Review queue could not be built: ${why}` };
}
