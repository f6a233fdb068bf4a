/**
 * `assay features TEMPLATE FILE ...`: one row per entity from an event or order-line file, through
 * the same feature-builder jobs the app uses (features.generate, then features.build).
 */
import type { ParseArgsConfig } from 'node:util';
import type { FeatureForm, FeatureTemplate } from '../api';
import { WINDOWED_HELP, WINDOWED_OPTIONS, applyWindowedOptions } from './features-windowed';
import { EXIT, UsageError, defaultIo, openFiles, outputFormat, parseCommandLine, requireFile, runCommand, withEngine, writeOutput, type Io } from './common';

export const FEATURES_HELP = `Usage: assay features TEMPLATE FILE --key COL --time COL [--as-of YYYY-MM-DD] --out FILE [options]

Builds one row per entity (customer, user, item) from an event or order-line FILE, with
DuckDB SQL generated from a template (--print-sql shows it).

Templates:
  rfm          recency, frequency, monetary, aov, active_days, tenure_days, event_count [, sessions]
  funnel       view/cart/fav/purchase counts and rates (needs --event-type)
  categories   share of events in the top categories (needs --category)
  time         share of events by hour of day and by weekday
  windowed     counts, spend and distinct items in the last 1/3/7/30 days (see below)
  all          every family the options allow

Options:
  --key COL              Entity key column (required)
  --time COL             Event time column: timestamp, date, text or Unix time (required)
  --as-of YYYY-MM-DD     Snapshot date: only events before it count; recency is measured to it
                         (default: the data's snapshot, the day after the latest event; a date
                         after every event, or on or before the first, is refused)
  --out FILE             Output file, .csv or .parquet (required unless --print-sql)
  --order COL            Order key: frequency counts distinct orders (else purchase rows)
  --value EXPR           SQL expression for a row's value, e.g. "Quantity * UnitPrice" (required for rfm)
  --where SQL            Keep only rows where SQL is true
  --event-type COL       Event type column (funnel; RFM then counts purchases only)
  --view a,b             Event values meaning a view (default pv,view)
  --cart a,b             ... an add-to-cart (default cart)
  --fav a,b              ... a favourite (default fav)
  --purchase a,b         ... a purchase (default buy,purchase)
  --category COL         Category column
  --top N                Top categories that get a share column (default 10)
  --session COL          Session key column (adds sessions)
  --time-unit U          For a numeric time column: seconds (default) or milliseconds
  --utc-offset H         Hours added to times before days/hours are taken (e.g. 8 for Asia/Shanghai)
  --print-sql            Print the generated SQL to stdout
  -h, --help             Show this help

${WINDOWED_HELP}`;

const TEMPLATES: Record<string, FeatureTemplate> = {
  rfm: 'rfm',
  funnel: 'funnel',
  categories: 'category_shares',
  category_shares: 'category_shares',
  time: 'time_shares',
  time_shares: 'time_shares',
  windowed: 'windowed',
  all: 'all',
};

const OPTIONS: ParseArgsConfig['options'] = {
  key: { type: 'string' },
  time: { type: 'string' },
  'as-of': { type: 'string' },
  out: { type: 'string' },
  order: { type: 'string' },
  value: { type: 'string' },
  where: { type: 'string' },
  'event-type': { type: 'string' },
  view: { type: 'string' },
  cart: { type: 'string' },
  fav: { type: 'string' },
  purchase: { type: 'string' },
  category: { type: 'string' },
  top: { type: 'string' },
  session: { type: 'string' },
  'time-unit': { type: 'string' },
  'utc-offset': { type: 'string' },
  'print-sql': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  ...WINDOWED_OPTIONS,
};

function list(value: unknown): string[] | undefined {
  return typeof value === 'string' ? value.split(',').map((v) => v.trim()).filter(Boolean) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function templateOf(templateName: string | undefined, help: string): FeatureTemplate {
  if (templateName === undefined) throw new UsageError(`features needs a TEMPLATE and a FILE.\n\n${help}`);
  const template = TEMPLATES[templateName];
  if (!template) throw new UsageError(`Unknown template "${templateName}"; choose rfm, funnel, categories, time, windowed or all.`);
  return template;
}

/** Parses the command line into the feature form; throws UsageError with the help on mistakes. */
function parseFeatureArgs(argv: string[]): { help: true } | { help: false; form: Omit<FeatureForm, 'table'>; file: string; out: string | undefined; printSql: boolean } {
  const { values, positionals } = parseCommandLine({ options: OPTIONS }, argv, FEATURES_HELP);
  if (values.help) return { help: true };
  const [templateName, file, ...extra] = positionals;
  const template = templateOf(templateName, FEATURES_HELP);
  if (file === undefined) throw new UsageError(`features ${String(templateName)} needs a FILE.\n\n${FEATURES_HELP}`);
  if (extra.length > 0) throw new UsageError(`features takes one FILE (also got ${extra.join(' ')}).`);
  const printSql = values['print-sql'] === true;
  const out = text(values.out);
  if (out === undefined && !printSql) throw new UsageError('features needs --out FILE (.csv or .parquet), or --print-sql.');
  if (out !== undefined) outputFormat(out);
  return { help: false, form: formFromValues(template, values), file, out, printSql };
}

/** The feature form from parsed options (shared with `pack build --features`). */
function formFromValues(template: FeatureTemplate, values: Record<string, unknown>): Omit<FeatureForm, 'table'> {
  const key = text(values.key);
  const time = text(values.time);
  const asOf = text(values['as-of']) ?? '';
  if (!key) throw new UsageError('features needs --key COL.');
  if (!time) throw new UsageError('features needs --time COL.');
  if (asOf !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new UsageError(`--as-of must be a date written YYYY-MM-DD (got ${asOf}).`);
  if (template === 'rfm' && !text(values.value)) throw new UsageError('features rfm needs --value EXPR (the value of a row, e.g. "Quantity * UnitPrice").');
  if (template === 'funnel' && !text(values['event-type'])) throw new UsageError('features funnel needs --event-type COL.');
  if (template === 'category_shares' && !text(values.category)) throw new UsageError('features categories needs --category COL.');
  const form: Omit<FeatureForm, 'table'> = { template, key, time, asOf };
  const optional = { order: 'order', value: 'value', where: 'where', eventType: 'event-type', category: 'category', session: 'session' } as const;
  for (const [field, option] of Object.entries(optional) as Array<[keyof typeof optional, string]>) {
    const v = text(values[option]);
    if (v !== undefined) form[field] = v;
  }
  const stages = { view: list(values.view), cart: list(values.cart), fav: list(values.fav), purchase: list(values.purchase) };
  if (Object.values(stages).some((v) => v !== undefined)) {
    form.eventValues = Object.fromEntries(Object.entries(stages).filter(([, v]) => v !== undefined));
  }
  if (values.top !== undefined) {
    const top = Number(values.top);
    if (!Number.isInteger(top) || top < 1 || top > 50) throw new UsageError(`--top must be a whole number from 1 to 50 (got ${String(values.top)}).`);
    form.topCategories = top;
  }
  const unit = values['time-unit'];
  if (unit !== undefined) {
    if (unit !== 'seconds' && unit !== 'milliseconds') throw new UsageError(`--time-unit must be seconds or milliseconds (got ${String(unit)}).`);
    form.timeUnit = unit;
  }
  if (values['utc-offset'] !== undefined) {
    const offset = Number(values['utc-offset']);
    if (!Number.isFinite(offset) || Math.abs(offset) > 14) throw new UsageError(`--utc-offset must be hours between -14 and 14 (got ${String(values['utc-offset'])}).`);
    form.utcOffsetHours = offset;
  }
  applyWindowedOptions(form, values);
  return form;
}

/** Splits option text as a shell would for simple quoting: 'single', "double" (with \" inside), bare words. */
function splitWords(spec: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let word = '';
  let last = -1;
  for (let m = re.exec(spec); m !== null; m = re.exec(spec)) {
    const piece = m[1] ?? (m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] as string));
    // Pieces with no space between them form one word (--value="a b").
    if (m.index === last) word += piece;
    else {
      if (last !== -1) words.push(word);
      word = piece;
    }
    last = re.lastIndex;
  }
  if (last !== -1) words.push(word);
  return words;
}

/**
 * \`pack build --features "TEMPLATE OPTIONS"\`: the features command's template and options (no FILE,
 * no --out), e.g. "rfm --time InvoiceDate --order InvoiceNo --value 'Quantity * UnitPrice'". The
 * entity key may come from the pack's --key.
 */
export function parseFeatureSpec(spec: string, key: string | undefined, asOf: string | undefined, help: string): Omit<FeatureForm, 'table'> {
  const options = Object.fromEntries(Object.entries(OPTIONS ?? {}).filter(([name]) => !['out', 'print-sql', 'help'].includes(name)));
  const { values, positionals } = parseCommandLine({ options }, splitWords(spec), help);
  const [templateName, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`--features takes a TEMPLATE and options (also got ${extra.join(' ')}).`);
  const merged: Record<string, unknown> = { ...values };
  if (merged.key === undefined && key !== undefined) merged.key = key;
  if (merged['as-of'] === undefined && asOf !== undefined) merged['as-of'] = asOf;
  return formFromValues(templateOf(templateName, help), merged);
}

/** Runs `assay features ...` (argv after the word "features"); returns the exit code. */
export async function featuresCommand(argv: string[], io: Io = defaultIo): Promise<number> {
  return runCommand(io, async () => {
    const args = parseFeatureArgs(argv);
    if (args.help) {
      io.out(FEATURES_HELP);
      return EXIT.ok;
    }
    const { form, file, out, printSql } = args;
    requireFile(file);
    return await withEngine(async ({ client }) => {
      const [table] = await openFiles(client, [file], io);
      const generated = await client.run('features.generate', { ...form, table: table as string });
      for (const warning of generated.warnings) io.err(`warning: ${warning}`);
      if (generated.asOfBasis === 'snapshot') io.err(form.labelWindowDays === undefined ? `as of ${generated.asOf}: the data's snapshot (the day after the latest event)` : `as of ${generated.asOf}: ${form.labelWindowDays} day(s) before the data's snapshot, so the label window ends with the data`);
      if (printSql) io.out(generated.sql);
      if (out === undefined) return EXIT.ok;
      const built = await client.run('features.build', { sql: generated.sql, outputTable: `features_${table as string}`, replace: true });
      for (const warning of built.warnings) io.err(`warning: ${warning}`);
      await writeOutput(client, { table: built.name }, out);
      io.err(`wrote ${built.rowCount.toLocaleString('en-US')} rows x ${built.columns.length} columns to ${out}`);
      return EXIT.ok;
    });
  });
}
