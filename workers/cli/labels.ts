/**
 * `assay labels train|apply|eval`: entity labels from product text through the same jobs the
 * Labels view uses (labels.train, labels.export, labels.load, labels.apply, labels.eval).
 */
import fs from 'node:fs';
import path from 'node:path';
import { EngineError, labelRulesToTagSet, parseTagSet, parseTagSetJson, type EngineClient, type LabelReport, type TagSet } from '../api';
import { quoteIdent, quoteLiteral } from '../data/sql-text';
import { writeFileAtomic } from '../node/atomic-write';
import { fileSnapshot, requireUnchanged } from './tag-set-file';
import { EXIT, UsageError, defaultIo, openFiles, outputFormat, parseCommandLine, parseNumberOption, requireFile, runCommand, withEngine, writeOutput, type Io } from './common';
import { VALUE_OPTIONS, labelValueJson, openValueSpec, valueOptions } from './value';

export const LABELS_HELP = `Usage: assay labels <train|apply|eval|review> ...

Entity labels (category, brand, attribute) from product text: keyword rules first where they
are precise, a softmax classifier on hashed word and character n-grams for the rest.

  assay labels train FILE --text COL --label COL --out LABELER.json [options]
  assay labels apply LABELER.json FILE --out OUT [options]
  assay labels eval LABELER.json FILE --label COL [options]
  assay labels review LABELER.json FILE --out REVIEW.csv [options]

Review loop: 'review' writes the rows the labeler is least sure of with an empty "label" column;
fill it in (leave a row empty to skip it) and train again with --corrections REVIEW.csv.

Run 'assay labels <command> --help' for a command's options.`;

export const LABELS_TRAIN_HELP = `Usage: assay labels train FILE --text COL --label COL --out LABELER.json [options]

Learns labels from FILE's text column: texts are lowercased, accents removed, split into words
(each CJK character a word), and turned into word 1-2-grams and character 2-4-grams hashed to
2^20 slots, weighted tf-idf. Keyword rules (a whole word or two-word phrase -> a label) are
mined where they reach the precision on held-out rows; a multinomial logistic regression
(softmax) learns the rest. Confidences are calibrated (temperature scaling) on held-out rows, and
each label gets the lowest confidence threshold at which its held-out precision reaches
--min-precision. Prints the held-out report as JSON: accuracy, macro-F1, coverage at 90/95/99%
precision, and per label precision, recall, coverage and threshold.

Options:
  --text COL            The text column (e.g. a product title)
  --label COL           The label column; rows without a label are left out
  --out FILE.json       The labeler file to write (run it with assay labels apply)
  --holdout F           Share of labelled rows held out (default 0.2)
  --min-precision P     Precision each label's threshold is chosen for (default 0.9)
  --epochs N            Passes over the training rows at most (default: until converged,
                        at most 300 L-BFGS iterations; 15 AdaGrad epochs for very large
                        training sets or models)
  --seed N              Seed of the split and the training order (default 0)
  --no-rules            Classifier only (no keyword rules)
  --report FILE.json    Also write the full report (with the precision/coverage curve)
  --corrections FILE    Reviewed rows to add to the training rows: a CSV or Parquet file with
                        "text" and "label" columns (what assay labels review writes, once its
                        "label" column is filled in); rows with an empty label are skipped
  --tags FILE.json      Also save the keyword rules as labelling tags into a tag set (created
                        if missing; group "<label> keywords" replaced), for assay pack build:
                        the rules then run as SQL in every dialect. The classifier is not SQL;
                        it runs from the labeler file (assay labels apply)
  -h, --help            Show this help`;

export const LABELS_APPLY_HELP = `Usage: assay labels apply LABELER.json FILE --out OUT [options]

Labels every row of FILE and writes every input row, in input order, with its input columns,
plus "label" (the best label: a keyword rule's when one matches, else the classifier's),
"confidence" (the calibrated probability, or the rule's held-out precision) and "label_source"
("rule:<id>" or "classifier"). A text with no word the labeler knows gets no label.

Options:
  --out FILE            Output file, .csv or .parquet (required)
  --text COL            The text column (default: the one the labeler was trained on)
  --min-confidence C    Leave "label" empty below confidence C (0 to 1)
  --at-precision        Leave "label" empty where the label's own threshold (chosen for the
                        labeler's minimum precision) is not met
  -h, --help            Show this help`;

export const LABELS_REVIEW_HELP = `Usage: assay labels review LABELER.json FILE --out REVIEW.csv [options]

Writes the rows of FILE the labeler leaves unlabelled at its thresholds, most uncertain first
(smallest margin between its two best labels), as the Labels view's review queue shows them:
"row" (0-based, in FILE), "text", "best" and "confidence", "second" and "second_confidence",
and an empty "label" column to fill in. Train again with
  assay labels train FILE --text COL --label COL --corrections REVIEW.csv --out LABELER.json
and the filled-in rows become training rows. Prints how many rows are unlabelled.

Options:
  --out FILE            Output file, .csv or .parquet (required)
  --text COL            The text column (default: the one the labeler was trained on)
  --limit N             Rows at most (default 200, at most 10000)
  -h, --help            Show this help`;

export const LABELS_EVAL_HELP = `Usage: assay labels eval LABELER.json FILE --label COL [options]

Scores the labeler against FILE's known labels: accuracy and macro-F1 of the best label, the
share of rows one confidence threshold labels at 90/95/99% precision, and precision and coverage
at the labeler's own thresholds. Labels it never learnt count as wrong. Prints JSON.

Options:
  --label COL           The column with the true labels (required)
  --text COL            The text column (default: the one the labeler was trained on)
  --value EXPR          A value (GMV) per row, e.g. price or Quantity * UnitPrice: each label
                        then gets its rows' share of the total value, GMV lift (share ÷
                        coverage) and mean value, with 95% intervals ("value" in the JSON)
  --value-data FILE     Sum --value over FILE's rows per entity (with --value-key COL)
  --value-key COL       The column naming the entity in both files
  -h, --help            Show this help`;

function stringOption(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`--${name} needs a value.`);
  return v;
}

function round(v: number | null, digits = 4): number | null {
  return v === null ? null : Number(v.toFixed(digits));
}

function reportSummary(report: LabelReport): Record<string, unknown> {
  return {
    rows: report.rows,
    classes: report.classes,
    accuracy: round(report.accuracy),
    macroF1: round(report.macroF1),
    coverageAt: Object.fromEntries(Object.entries(report.coverageAt).map(([p, c]) => [p, round(c)])),
    minPrecision: report.minPrecision,
    atThresholds: { precision: round(report.overall.precision), recall: round(report.overall.recall), coverage: round(report.overall.coverage) },
    temperature: round(report.temperature),
    rules: { count: report.rules.count, holdoutMatched: round(report.rules.holdoutMatched), holdoutPrecision: round(report.rules.holdoutPrecision) },
    perLabel: report.perLabel.map((l) => ({
      label: l.label,
      support: l.support,
      threshold: round(l.threshold),
      thresholdFrom: l.thresholdFrom,
      precision: round(l.precision),
      recall: round(l.recall),
      coverage: round(l.coverage),
    })),
    warnings: report.warnings,
  };
}

/** The filled-in rows of a review file (columns "text" and "label"; rows without a label skipped). */
async function readCorrections(client: EngineClient, file: string, io: Io): Promise<Array<{ text: string; label: string }>> {
  const [table] = (await openFiles(client, [file], io)) as [string];
  const columns = (await client.run('sql.run', { sql: `SELECT * FROM ${quoteIdent(table)} LIMIT 0` })).columns.map((c) => c.name);
  const missing = ['text', 'label'].filter((c) => !columns.includes(c));
  if (missing.length > 0) throw new EngineError('BAD_INPUT', `${file} has no ${missing.map((c) => `"${c}"`).join(' or ')} column: corrections need "text" and "label" (as assay labels review writes them).`);
  const result = await client.run('sql.run', {
    sql: `SELECT CAST("text" AS VARCHAR) AS text, trim(CAST("label" AS VARCHAR)) AS label FROM ${quoteIdent(table)} WHERE "text" IS NOT NULL AND "label" IS NOT NULL AND trim(CAST("label" AS VARCHAR)) <> ''`,
    preview: 1_000_000,
  });
  const { tableFromIPC } = await import('apache-arrow');
  const rows = tableFromIPC(result.preview);
  const texts = rows.getChild('text');
  const labels = rows.getChild('label');
  const corrections: Array<{ text: string; label: string }> = [];
  for (let i = 0; i < rows.numRows; i++) corrections.push({ text: String(texts?.get(i)), label: String(labels?.get(i)) });
  if (result.rowCount > corrections.length) throw new EngineError('BAD_INPUT', `${file} has ${result.rowCount.toLocaleString('en-US')} filled-in rows; corrections take 1,000,000 at most.`);
  io.err(`${corrections.length.toLocaleString('en-US')} reviewed row${corrections.length === 1 ? '' : 's'} from ${file}`);
  return corrections;
}

/** Reads a labeler file and loads it into the engine; its id. */
async function loadLabeler(client: EngineClient, file: string): Promise<string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new EngineError('BAD_INPUT', `${file} is not a labeler file: it is not valid JSON (${err instanceof Error ? err.message : String(err)}).`);
  }
  return (await client.run('labels.load', { file: parsed })).labelerId;
}

async function trainMain(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(
    {
      options: {
        text: { type: 'string' },
        label: { type: 'string' },
        out: { type: 'string' },
        holdout: { type: 'string' },
        'min-precision': { type: 'string' },
        epochs: { type: 'string' },
        seed: { type: 'string' },
        'no-rules': { type: 'boolean' },
        report: { type: 'string' },
        tags: { type: 'string' },
        corrections: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    argv,
    LABELS_TRAIN_HELP,
  );
  if (values.help) {
    io.out(LABELS_TRAIN_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`labels train takes exactly one FILE (got ${positionals.length}).\n\n${LABELS_TRAIN_HELP}`);
  const file = positionals[0] as string;
  const text = stringOption(values, 'text');
  const label = stringOption(values, 'label');
  const out = stringOption(values, 'out');
  if (!text || !label || !out) throw new UsageError(`labels train needs --text COL, --label COL and --out LABELER.json.\n\n${LABELS_TRAIN_HELP}`);
  if (!out.toLowerCase().endsWith('.json')) throw new UsageError(`--out must name a .json labeler file (got ${out}).`);
  const report = stringOption(values, 'report');
  const tagsFile = stringOption(values, 'tags');
  if (tagsFile && !tagsFile.toLowerCase().endsWith('.json')) throw new UsageError(`--tags must name a .json tag set (got ${tagsFile}).`);
  if (tagsFile && values['no-rules']) throw new UsageError('--tags saves the keyword rules; it does not go with --no-rules.');
  // An existing tag set is read before any work: a file that is not one stops here, untouched.
  const existingTags: TagSet | undefined = tagsFile ? (fs.existsSync(tagsFile) ? parseTagSetJson(fs.readFileSync(tagsFile, 'utf8'), tagsFile) : parseTagSet({ tags: [] })) : undefined;
  const tagsSnapshot = tagsFile ? fileSnapshot(tagsFile) : null;
  const holdout = parseNumberOption('holdout', values.holdout, (v) => v > 0 && v < 1, 'between 0 and 1');
  const minPrecision = parseNumberOption('min-precision', values['min-precision'], (v) => v > 0 && v <= 1, 'above 0 and at most 1');
  const epochs = parseNumberOption('epochs', values.epochs, (v) => Number.isInteger(v) && v >= 1 && v <= 1000, 'a whole number from 1 to 1000');
  const seed = parseNumberOption('seed', values.seed, (v) => Number.isInteger(v) && v >= 0, 'a whole number >= 0');
  const correctionsFile = stringOption(values, 'corrections');
  requireFile(file);
  if (correctionsFile) requireFile(correctionsFile);
  return withEngine(async ({ client }) => {
    const [table] = (await openFiles(client, [file], io)) as [string];
    const corrections = correctionsFile ? await readCorrections(client, correctionsFile, io) : [];
    const summary = await client.run('labels.train', {
      ...(corrections.length > 0 ? { corrections } : {}),
      source: { table },
      textColumn: text,
      labelColumn: label,
      ...(holdout !== undefined ? { holdout } : {}),
      ...(minPrecision !== undefined ? { minPrecision } : {}),
      ...(epochs !== undefined ? { epochs } : {}),
      ...(seed !== undefined ? { seed } : {}),
      keywordRules: values['no-rules'] !== true,
    });
    for (const warning of summary.report.warnings) io.err(`warning: ${warning}`);
    // Checked before anything is written: the tag set must not have changed while training ran.
    if (tagsFile) requireUnchanged(tagsFile, tagsSnapshot, 'labels train --tags');
    const labeler = await client.run('labels.export', { labelerId: summary.labelerId });
    writeFileAtomic(path.resolve(out), JSON.stringify(labeler));
    io.err(`wrote the labeler (${summary.classes.length} labels, ${summary.rules.length} keyword rules) to ${out}`);
    if (tagsFile && existingTags) {
      const merged = labelRulesToTagSet(existingTags, summary.rules, { labelColumn: summary.labelColumn, table });
      writeFileAtomic(path.resolve(tagsFile), `${JSON.stringify(merged.set, null, 2)}\n`);
      io.err(`saved ${merged.added} keyword rule${merged.added === 1 ? '' : 's'} as tags to ${tagsFile} (${merged.replaced} replaced)`);
    }
    if (report) {
      writeFileAtomic(path.resolve(report), `${JSON.stringify({ ...summary.report, rules: summary.rules }, null, 2)}\n`);
      io.err(`wrote the report to ${report}`);
    }
    io.out(JSON.stringify(reportSummary(summary.report), null, 2));
    return EXIT.ok;
  });
}

async function applyMain(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(
    {
      options: {
        out: { type: 'string' },
        text: { type: 'string' },
        'min-confidence': { type: 'string' },
        'at-precision': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    argv,
    LABELS_APPLY_HELP,
  );
  if (values.help) {
    io.out(LABELS_APPLY_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 2) throw new UsageError(`labels apply takes LABELER.json and FILE (got ${positionals.length} arguments).\n\n${LABELS_APPLY_HELP}`);
  const [labelerFile, file] = positionals as [string, string];
  const out = stringOption(values, 'out');
  if (!out) throw new UsageError(`labels apply needs --out FILE.\n\n${LABELS_APPLY_HELP}`);
  outputFormat(out);
  const text = stringOption(values, 'text');
  const minConfidence = parseNumberOption('min-confidence', values['min-confidence'], (v) => v >= 0 && v <= 1, 'from 0 to 1');
  requireFile(labelerFile);
  requireFile(file);
  return withEngine(async ({ client }) => {
    const labelerId = await loadLabeler(client, labelerFile);
    const [table] = (await openFiles(client, [file], io)) as [string];
    const outputTable = `${table}_labels`;
    const result = await client.run('labels.apply', {
      labelerId,
      source: { table },
      outputTable,
      ...(text ? { textColumn: text } : {}),
      ...(minConfidence !== undefined ? { minConfidence } : {}),
      ...(values['at-precision'] ? { precisionThresholds: true } : {}),
    });
    for (const warning of result.warnings) io.err(`warning: ${warning}`);
    await writeOutput(client, { table: outputTable }, out);
    io.err(`wrote ${result.rows.toLocaleString('en-US')} rows to ${out}: ${result.labelled.rules.toLocaleString('en-US')} labelled by keyword rules, ${result.labelled.classifier.toLocaleString('en-US')} by the classifier, ${result.unlabelled.toLocaleString('en-US')} without a label`);
    io.out(JSON.stringify({ rows: result.rows, labelled: result.labelled, unlabelled: result.unlabelled, emptyText: result.emptyText, elapsedMs: result.elapsedMs }, null, 2));
    return EXIT.ok;
  });
}

async function evalMain(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(
    {
      options: {
        label: { type: 'string' },
        text: { type: 'string' },
        value: VALUE_OPTIONS.value,
        'value-data': VALUE_OPTIONS['value-data'],
        'value-key': VALUE_OPTIONS['value-key'],
        help: { type: 'boolean', short: 'h' },
      },
    },
    argv,
    LABELS_EVAL_HELP,
  );
  if (values.help) {
    io.out(LABELS_EVAL_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 2) throw new UsageError(`labels eval takes LABELER.json and FILE (got ${positionals.length} arguments).\n\n${LABELS_EVAL_HELP}`);
  const [labelerFile, file] = positionals as [string, string];
  const label = stringOption(values, 'label');
  if (!label) throw new UsageError(`labels eval needs --label COL.\n\n${LABELS_EVAL_HELP}`);
  const text = stringOption(values, 'text');
  const value = valueOptions(values, LABELS_EVAL_HELP);
  requireFile(labelerFile);
  requireFile(file);
  return withEngine(async ({ client }) => {
    const labelerId = await loadLabeler(client, labelerFile);
    const [table] = (await openFiles(client, [file], io)) as [string];
    const e = await client.run('labels.eval', { labelerId, source: { table }, labelColumn: label, ...(text ? { textColumn: text } : {}), ...(value ? { value: await openValueSpec(client, value, io) } : {}) });
    for (const w of e.value?.warnings ?? []) io.err(`warning: ${w}`);
    if (e.unknownLabels > 0) io.err(`warning: ${e.unknownLabels.toLocaleString('en-US')} row${e.unknownLabels === 1 ? ' has a label' : 's have labels'} the labeler never learnt (counted as wrong)`);
    io.out(
      JSON.stringify(
        {
          rows: e.rows,
          accuracy: round(e.accuracy),
          macroF1: round(e.macroF1),
          coverageAt: Object.fromEntries(Object.entries(e.coverageAt).map(([p, c]) => [p, round(c)])),
          atThresholds: { precision: round(e.atThresholds.precision), coverage: round(e.atThresholds.coverage), fromRules: e.atThresholds.fromRules },
          unknownLabels: e.unknownLabels,
          withoutLabel: e.withoutLabel,
          ...(e.value ? { value: labelValueJson(e.value) } : {}),
        },
        null,
        2,
      ),
    );
    return EXIT.ok;
  });
}

/** Runs `assay labels ...`; returns the exit code. */
async function reviewMain(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(
    { options: { out: { type: 'string' }, text: { type: 'string' }, limit: { type: 'string' }, help: { type: 'boolean', short: 'h' } } },
    argv,
    LABELS_REVIEW_HELP,
  );
  if (values.help) {
    io.out(LABELS_REVIEW_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 2) throw new UsageError(`labels review takes LABELER.json and FILE (got ${positionals.length} arguments).\n\n${LABELS_REVIEW_HELP}`);
  const [labelerFile, file] = positionals as [string, string];
  const out = stringOption(values, 'out');
  if (!out) throw new UsageError(`labels review needs --out REVIEW.csv.\n\n${LABELS_REVIEW_HELP}`);
  outputFormat(out);
  const text = stringOption(values, 'text');
  const limit = parseNumberOption('limit', values.limit, (v) => Number.isInteger(v) && v >= 1 && v <= 10_000, 'a whole number from 1 to 10000') ?? 200;
  requireFile(labelerFile);
  requireFile(file);
  return withEngine(async ({ client }) => {
    const labelerId = await loadLabeler(client, labelerFile);
    const [table] = (await openFiles(client, [file], io)) as [string];
    const review = await client.run('labels.review', { labelerId, source: { table }, limit, ...(text ? { textColumn: text } : {}) });
    // The queue as a table (typed columns even when it is empty), written as any output is.
    const literal = (v: string | null): string => (v === null ? 'NULL' : quoteLiteral(v));
    const values = review.rows.map((r) => `(${r.row}, ${literal(r.text)}, ${literal(r.best)}, ${r.confidence}, ${literal(r.second)}, ${r.secondConfidence})`);
    const source = values.length > 0 ? `(VALUES ${values.join(', ')})` : '(SELECT NULL, NULL, NULL, NULL, NULL, NULL WHERE false)';
    const queued = await client.run('sql.run', {
      sql: `SELECT CAST(c0 AS BIGINT) AS "row", CAST(c1 AS VARCHAR) AS "text", CAST(c2 AS VARCHAR) AS best, round(CAST(c3 AS DOUBLE), 4) AS confidence, CAST(c4 AS VARCHAR) AS second, round(CAST(c5 AS DOUBLE), 4) AS second_confidence, CAST(NULL AS VARCHAR) AS label FROM ${source} AS q(c0, c1, c2, c3, c4, c5)`,
    });
    if (!queued.resultId) throw new EngineError('INTERNAL', 'The review queue gave no rows to write.');
    await writeOutput(client, { resultId: queued.resultId }, out);
    io.err(`wrote ${review.rows.length.toLocaleString('en-US')} rows to review to ${out}; ${review.unlabelled.toLocaleString('en-US')} of ${review.total.toLocaleString('en-US')} rows are left unlabelled at the labeler's thresholds`);
    io.out(JSON.stringify({ rows: review.rows.length, unlabelled: review.unlabelled, total: review.total }, null, 2));
    return EXIT.ok;
  });
}

export async function labelsCommand(argv: string[], io: Io = defaultIo): Promise<number> {
  return runCommand(io, async () => {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      io.out(LABELS_HELP);
      return sub === undefined ? EXIT.usage : EXIT.ok;
    }
    if (sub === 'train') return trainMain(rest, io);
    if (sub === 'apply') return applyMain(rest, io);
    if (sub === 'eval') return evalMain(rest, io);
    if (sub === 'review') return reviewMain(rest, io);
    throw new UsageError(`Unknown labels command "${sub}".\n\n${LABELS_HELP}`);
  });
}
