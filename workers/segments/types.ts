/** Job kinds of the segments area (feature builder, portrait cards), re-exported by workers/api. */
import type { ColumnInfo } from '../data/types';
import type { RuleExpr } from '../tags/ast';
import type { ValueStats } from '../tags/value-stats';
import type { PortraitValueSummary } from './portrait-value';
import type { ValueExpr } from '../tags/value-expr';

/** Which feature families the generated SQL computes. `all` combines every family the form allows. */
export type FeatureTemplate = 'rfm' | 'funnel' | 'category_shares' | 'time_shares' | 'windowed' | 'all';

/** How a numeric time column is read: Unix seconds or Unix milliseconds. Text, DATE and TIMESTAMP columns are cast. */
export type FeatureTimeUnit = 'seconds' | 'milliseconds';

/** Which values of the event-type column mean each funnel stage (Taobao: pv / cart / fav / buy). */
export interface FunnelEventValues {
  view?: string[];
  cart?: string[];
  fav?: string[];
  purchase?: string[];
}

/** The feature builder's form: every field the SQL templates are filled from. */
export interface FeatureForm {
  template: FeatureTemplate;
  /** The event or order-line table. */
  table: string;
  /** Entity key column (user, customer, item, session): one output row per value. */
  key: string;
  /** Event time column (TIMESTAMP, DATE, text, or Unix time as a number). */
  time: string;
  /** For a numeric time column: seconds (default) or milliseconds since 1970-01-01 UTC. */
  timeUnit?: FeatureTimeUnit;
  /** Hours added to the event time before days, hours and weekdays are taken (e.g. 8 for Asia/Shanghai on UTC data). */
  utcOffsetHours?: number;
  /** Order key column: frequency counts distinct orders; without it, purchase rows are counted. */
  order?: string;
  /** A SQL expression over the table's columns giving each row's value, e.g. `"Quantity" * "UnitPrice"`. */
  value?: string;
  /** Event type column (view / cart / fav / purchase), for funnels; RFM then counts purchases only. */
  eventType?: string;
  /** Stage values of the event type column; defaults: view pv|view, cart cart, fav fav, purchase buy|purchase. */
  eventValues?: FunnelEventValues;
  /** Category column, for category shares. */
  category?: string;
  /** How many of the most frequent categories get a share column (default 10, at most 50). */
  topCategories?: number;
  /** Session key column: adds a `sessions` count. */
  session?: string;
  /**
   * Snapshot date `YYYY-MM-DD`: only events before it (its midnight) count; recency and tenure are
   * measured to it. Blank: the data's snapshot, the day after the latest event (never today).
   */
  asOf: string;
  /** Optional SQL condition over the table's columns (the body of a WHERE clause). */
  where?: string;
  /** Windowed template: window lengths in days before as_of (default 1, 3, 7, 30); given, `all` includes the windowed family. */
  windows?: number[];
  /** Lower bound `YYYY-MM-DD`: events before it count nowhere (windowed.ts). */
  from?: string;
  /** Item column: windowed features count distinct items. */
  item?: string;
  /** Label builder: days after as_of in which the label event is looked for (label-window.ts). */
  labelWindowDays?: number;
  /** Label event: stage names (purchase, cart, ...) or event-type values; default the purchase values. */
  labelEvents?: string[];
}

/** How the time column reads as a timestamp ('timestamptz': a zoned column, read as its UTC wall clock). */
export type FeatureTimeKind = 'timestamp' | 'timestamptz' | 'date' | 'text' | 'epoch_seconds' | 'epoch_milliseconds';

/**
 * The feature step as data: what a rule pack records so that production computes the entity
 * features from the raw event table exactly as the app did (see feature-step.ts).
 */
export interface FeatureStep {
  template: FeatureTemplate;
  /** The raw event or order-line table, as the app named it (production names its own with --source-table). */
  table: string;
  key: string;
  time: string;
  timeKind: FeatureTimeKind;
  utcOffsetHours: number;
  order?: string;
  eventType?: string;
  category?: string;
  session?: string;
  eventValues: { view: string[]; cart: string[]; fav: string[]; purchase: string[] };
  /** The value of a row, as typed and as the portable tree. */
  value?: { text: string; ast: ValueExpr };
  /** The cleaning filter, as typed and as a rule tree (the tags' rule language). */
  where?: { text: string; ast: RuleExpr };
  topCategories: number;
  /** Windowed features (windowed.ts): window lengths in days, and the item column they count. */
  windows?: number[];
  item?: string;
  /** Lower bound: events before this day never count. */
  from?: string;
  /** The category values that got a share column on the build data, most frequent first. */
  categories: string[];
  /** Only events before this day count; recency and tenure are measured to it. */
  asOf: string;
  /** The output columns, the key first. */
  columns: string[];
}

export interface FeatureSqlResult {
  sql: string;
  template: FeatureTemplate;
  /** The output columns the SQL produces, key first. */
  columns: string[];
  /** The category values that got a share column (most frequent first). */
  categories: string[];
  warnings: string[];
  /** The as-of date the SQL uses, and whether it was given or is the data's snapshot (the day after the latest event). */
  asOf: string;
  asOfBasis: 'given' | 'snapshot';
  /** The step as a rule pack records it (portable to every pack dialect); null with the reason when it cannot travel. */
  step: FeatureStep | null;
  stepProblem?: string;
}

export interface FeatureBuildParams {
  /** The feature SQL (one SELECT or WITH statement), as generated or as the user edited it. */
  sql: string;
  outputTable: string;
  /** Replace a table of the same name (otherwise that is an error). */
  replace?: boolean;
  /**
   * The step features.generate returned with this SQL: when the SQL is still exactly what the step
   * generates, the table remembers it, and a pack built on the table carries it.
   */
  step?: FeatureStep | null;
}

export interface FeatureBuildResult {
  name: string;
  rowCount: number;
  columns: ColumnInfo[];
  elapsedMs: number;
  warnings: string[];
}

export interface PortraitParams {
  table: string;
  /** The column holding each row's segment (cluster number or label). */
  segmentColumn: string;
  /** Numeric feature columns to compare (default: every numeric column but the segment). */
  features?: string[];
  /** Text or boolean columns whose top values are listed (default: low-cardinality text/boolean columns). */
  categorical?: string[];
  /** How many distinguishing features each card lists (default 5). */
  topFeatures?: number;
  /** Depth of the tree the rule comes from, 1..3 (default 3). */
  ruleDepth?: number;
  /** About how many rows the rule tree is grown on when the table is larger, picked by a seeded hash of the row id (default 100,000). */
  ruleSampleRows?: number;
  seed?: number;
  /** A value (GMV) per row, e.g. monetary or Quantity * UnitPrice: each card then shows its segment's share and lift of the total value. */
  value?: string;
}

/** One feature of one segment against the whole table. */
export interface PortraitFeatureStat {
  feature: string;
  segmentMean: number | null;
  populationMean: number | null;
  populationStd: number | null;
  /** segment mean / population mean; null when the population mean is 0 or missing. */
  lift: number | null;
  /** Standardised difference: (segment mean - population mean) / population standard deviation. */
  z: number | null;
  /** Rows of the segment with no value in this feature. */
  missing: number;
}

export interface PortraitCategoryValue {
  value: string | null;
  count: number;
  /** Share of the segment's rows with this value. */
  share: number;
  /** Share of all rows with this value. */
  populationShare: number;
  lift: number | null;
}

export interface PortraitCategoryStat {
  column: string;
  values: PortraitCategoryValue[];
}

/** A readable rule telling the segment apart, measured on every row of the table. */
export interface PortraitRule {
  expr: RuleExpr;
  text: string;
  /** Of the rows the rule matches, the share in the segment. */
  precision: number;
  /** Of the segment's rows, the share the rule matches. */
  recall: number;
  /** Rows the rule matches. */
  matched: number;
}

export interface PortraitCard {
  /** The segment value, as text. */
  segment: string;
  size: number;
  share: number;
  features: PortraitFeatureStat[];
  /** Feature names ordered by |z|, at most `topFeatures`, with |z| >= 0.1. */
  distinguishing: string[];
  topCategories: PortraitCategoryStat[];
  rule: PortraitRule | null;
  /** E.g. "High monetary · Low recency"; the user may rename it. */
  suggestedName: string;
  /** With a value: the segment's share of the total value, lift, mean per row and difference to the rest (95% intervals). */
  value?: ValueStats;
}

export interface PortraitResult {
  table: string;
  segmentColumn: string;
  rowCount: number;
  /** Rows whose segment is NULL (left out of every card). */
  unassignedRows: number;
  features: string[];
  categorical: string[];
  cards: PortraitCard[];
  /** Rows the rule trees were grown on (all rows when the table is small). */
  ruleSampleRows: number;
  /** The value the cards were measured by, when one was given. */
  value?: PortraitValueSummary;
  elapsedMs: number;
}

export interface SegmentJobs {
  /** Form -> feature SQL (reads the table's columns and its top categories; builds nothing). */
  'features.generate': { params: FeatureForm; result: FeatureSqlResult };
  /** Feature SQL -> a new table with one row per entity. */
  'features.build': { params: FeatureBuildParams; result: FeatureBuildResult };
  /** A table with a segment column -> one portrait card per segment. */
  'segments.portrait': { params: PortraitParams; result: PortraitResult };
}
