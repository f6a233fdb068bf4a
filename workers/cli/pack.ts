import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { EngineError, type EngineClient } from '../api';
import { tableNameFromFile } from '../data/naming';
import { formatDiff } from '../packs/diff';
import { diffPacks } from '../packs/diff';
import { packToSql } from '../packs/dialects/pack-sql';
import { addReview, readPack, writePack } from '../packs/io';
import { gateSummary } from '../packs/gates';
import { packReportHtml } from '../packs/report';
import { SQL_DIALECTS, type RulePack, type SqlDialect } from '../packs/schema';
import type { PackInfo } from '../packs/types';
import { commitTemp, discardTemp, tempPathFor, writeFileAtomic } from '../node/atomic-write';
import { applyPackNative } from './pack-apply';
import { eventSource } from '../packs/source';
import { parseFeatureSpec } from './features';
import type { FeatureForm } from '../api';
import { printLeftOut, tagListOption } from './tags';
import { EXIT, UsageError, formatFailure, parseCommandLine, withEngine, type Io } from './common';
import { VALUE_HELP, VALUE_OPTIONS, openValueSpec, valueOptions } from './value';

/** The pack commands' I/O: what cli.ts passes (stdout, stderr lines). */
export type PackIo = Io;




export const PACK_HELP = `Usage: assay pack <command> ...

Rule packs: versioned, hashed tag definitions that production engines run as SQL.

Commands:
  build TAGS.json --data FILE --name NAME --version X.Y.Z [--parent OLD.json] --out PACK.json
        [--key COL] [--target COL [--positive VALUE]] [--by WHO] [--as-of YYYY-MM-DD] [--golden N]
        [--tags NAME[,NAME]]          Build a pack from a tag set, measured on FILE: the tags (or
                                      the --tags chosen) FILE has the columns for; the others are
                                      named on stderr ("left out: ...")
        [--value EXPR [--value-data FILE --value-key COL]] [--gate-value-lift X]
                                      Measure each tag's GMV share and lift too (see below)
        [--features "TEMPLATE OPTIONS"]
                                      FILE holds raw events: compute the entity features first
                                      (TEMPLATE and options as for assay features, without FILE
                                      and --out; --key and --as-of are shared) and record the
                                      step, so the pack's SQL starts from the raw events
  validate PACK [--data FILE [--target COL --positive VALUE]]
                                      Schema, content hash and golden rows; with data, metric drift
  diff OLD NEW [--data FILE] [--json] Tags added, removed and changed; with data, coverage changes
  export PACK --target spark|hive|flink|trino|duckdb [--out FILE] [--table DB.TABLE] [--sink TABLE]
        [--source-table DB.EVENTS] [--source-where "dt = '2024-01-01'"]
                                      One SQL query computing every tag per entity (reading the
                                      pack's entity table, or --table; Flink inserts into --sink).
                                      A pack that carries its feature step starts from the raw
                                      events (--source-table; --source-where is a partition or
                                      filter predicate in the rule language, printed per dialect);
                                      as_of is a parameter: --hivevar as_of=... (Spark, Hive),
                                      \${as_of} (Flink), the assay_params CTE (Trino, DuckDB)
  apply PACK --data FILE --out TAGS.parquet
                                      Tag every entity on native DuckDB (large data)
  report PACK --out REPORT.html       A self-contained HTML report (no network needed)
  review PACK --by WHO (--approve | --reject) --note TEXT
                                      Record a sign-off in the pack (the file is rewritten)

Entity key (build): --key COL must hold a distinct, non-empty value on every row (checked).
Without --key, a unique id-like column is taken (id, user_id, CustomerID, ...); where there is
none the pack tags rows: each output row carries the input row's columns beside its tags, and
golden rows are named by their row number in the build data.

Value (build):
${VALUE_HELP}

Exit codes: 0 ok, 1 failed (invalid pack, golden-row mismatch, drift), 2 bad command line.`;


function requireFile(file: string | undefined, what: string): string {
  if (file === undefined) throw new UsageError(`${what} is required.\n\n${PACK_HELP}`);
  if (!fs.existsSync(file)) throw new UsageError(`File not found: ${file}`);
  if (fs.statSync(file).isDirectory()) throw new UsageError(`${file} is a folder; give a file.`);
  return file;
}

function stringOption(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** SHA-256 of a file, read in chunks. */
export function fileSha256(file: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    let n: number;
    while ((n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0) hash.update(buffer.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}


async function openData(client: EngineClient, file: string, io: Io, tableName?: string): Promise<string> {
  const info = await client.run('data.open', { source: { kind: 'path', path: path.resolve(file) }, tableName: tableName ?? tableNameFromFile(file), replace: true });
  for (const warning of info.warnings ?? []) io.err(`warning: ${warning}`);
  // Metrics on no rows read as zeros (or drift): say why before the figures do.
  if (info.rowCount === 0) io.err(`warning: ${path.basename(file)} has no rows; there is nothing to measure on it.`);
  return info.name;
}

async function readPackFile(file: string, name?: string): Promise<RulePack> {
  return (await readPack(fs.readFileSync(file, 'utf8'), { name })).pack;
}

function targetOption(values: Record<string, unknown>): { column: string; positive?: string } | undefined {
  const column = stringOption(values, 'target');
  if (column === undefined) {
    if (stringOption(values, 'positive') !== undefined) throw new UsageError('--positive needs --target.');
    return undefined;
  }
  return { column, positive: stringOption(values, 'positive') };
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

/** Mismatches and drifted metrics printed as examples; the rest are counted. */
const EXAMPLES = 5;

function printSummary(info: PackInfo, io: Io): void {
  const p = info.pack;
  io.out(`${p.name} ${p.version}  ${p.contentHash}  (${info.approval})`);
  io.out(
    p.entity.key === null
      ? `  entity: ${p.entity.table}, no key column (none has a distinct value on every row): rows are tagged and keep their columns; name a key with --key`
      : `  entity: ${p.entity.table}, key ${p.entity.key}`,
  );
  io.out(
    p.features === null
      ? `  features: read from ${p.entity.table} as it is (no feature step recorded); as of ${p.asOf}`
      : `  features: ${p.features.template} from the raw events of ${p.features.table}, events before ${p.asOf} (the export starts from the raw events)`,
  );
  const rows = p.tags[0]?.metrics?.rows;
  if (rows !== undefined) io.out(`  metrics: in-sample, measured on the ${rows} rows of the build data`);
  for (const t of p.tags) {
    const m = t.metrics;
    const gmv = m?.value ? [`GMV share ${m.value.share ? pct(m.value.share.value) : '-'}`, `GMV lift ${m.value.lift ? m.value.lift.value.toFixed(2) : '-'}`] : [];
    const figures = m ? [`coverage ${pct(m.coverage.value)}`, ...(m.precision ? [`precision ${m.precision.value.toFixed(3)}`] : []), ...gmv].join(', ') : 'no metrics';
    const gate = ` [${gateSummary(t).text}]`;
    io.out(`  ${t.name} (${t.kind}): ${figures}${gate}`);
  }
}

async function buildCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(
    {
      options: {
        data: { type: 'string' },
        name: { type: 'string' },
        version: { type: 'string' },
        parent: { type: 'string' },
        out: { type: 'string' },
        key: { type: 'string' },
        target: { type: 'string' },
        positive: { type: 'string' },
        by: { type: 'string' },
        'as-of': { type: 'string' },
        golden: { type: 'string' },
        tags: { type: 'string' },
        features: { type: 'string' },
        ...VALUE_OPTIONS,
      },
    },
    argv,
    PACK_HELP,
  );
  const tagsFile = requireFile(positionals[0], 'The tag set file (TAGS.json)');
  if (positionals.length > 1) throw new UsageError(`Unexpected argument "${positionals[1]}".`);
  const data = requireFile(stringOption(values, 'data'), '--data');
  const name = stringOption(values, 'name');
  const version = stringOption(values, 'version');
  const out = stringOption(values, 'out');
  if (!name || !version || !out) throw new UsageError(`--name, --version and --out are required.\n\n${PACK_HELP}`);
  const parentFile = stringOption(values, 'parent');
  const parent = parentFile === undefined ? undefined : fs.readFileSync(requireFile(parentFile, '--parent'), 'utf8');
  const goldenText = stringOption(values, 'golden');
  const goldenRows = goldenText === undefined ? undefined : Number(goldenText);
  if (goldenRows !== undefined && !(Number.isInteger(goldenRows) && goldenRows >= 0 && goldenRows <= 1000)) throw new UsageError('--golden must be a whole number from 0 to 1000.');
  const only = tagListOption(values.tags, PACK_HELP);
  const value = valueOptions(values, PACK_HELP);
  let tagSet: unknown;
  try {
    tagSet = JSON.parse(fs.readFileSync(tagsFile, 'utf8'));
  } catch (err) {
    throw new EngineError('BAD_INPUT', `${tagsFile} is not valid JSON (${err instanceof Error ? err.message : String(err)}).`);
  }
  const featureSpec = stringOption(values, 'features');
  const featureForm = featureSpec === undefined ? undefined : parseFeatureSpec(featureSpec, stringOption(values, 'key'), stringOption(values, 'as-of'), PACK_HELP);
  const info = await withEngine(async (engine) => {
    let table = await openData(engine.client, data, io);
    if (featureForm !== undefined) table = await featuresForPack(engine.client, featureForm, table, io);
    return engine.client.run('pack.build', {
      tagSet,
      table,
      key: stringOption(values, 'key'),
      name,
      version,
      parent,
      createdBy: stringOption(values, 'by') ?? process.env.USER ?? '',
      // With --features, as_of belongs to the feature step (the pack takes the step's).
      asOf: featureForm === undefined ? stringOption(values, 'as-of') : undefined,
      target: targetOption(values),
      sources: [{ name: path.basename(data), bytes: fs.statSync(data).size, sha256: fileSha256(data) }],
      // Messages name the file given, not the table it was loaded as.
      dataName: featureForm === undefined ? path.basename(data) : `the features computed from ${path.basename(data)}`,
      goldenRows,
      ...(only ? { tags: only } : {}),
      ...(value ? { value: await openValueSpec(engine.client, value, io) } : {}),
      ...(value?.minLift !== undefined ? { gates: [{ metric: 'valueLift' as const, min: value.minLift }] } : {}),
    });
  });
  printLeftOut(info.leftOut, io);
  if (info.target?.from === 'mined tags') io.err(`target: ${info.target.column}${info.target.positive === undefined ? '' : ` = ${info.target.positive}`} (the label the tags were mined against; give --target to choose another)`);
  writeFileAtomic(path.resolve(out), info.text);
  printSummary(info, io);
  io.err(`wrote ${out}`);
  return EXIT.ok;
}

/** `pack build --features`: the raw events -> a feature table that remembers its step (features.generate, then features.build). */
async function featuresForPack(client: EngineClient, form: Omit<FeatureForm, 'table'>, table: string, io: Io): Promise<string> {
  const generated = await client.run('features.generate', { ...form, table });
  for (const warning of generated.warnings) io.err(`warning: ${warning}`);
  if (generated.step === null) throw new EngineError('BAD_INPUT', generated.stepProblem ?? 'A rule pack cannot carry this feature step.');
  io.err(`features: ${generated.template} as of ${generated.asOf}${generated.asOfBasis === 'snapshot' ? " (the data's snapshot: the day after the latest event)" : ''}`);
  const built = await client.run('features.build', { sql: generated.sql, outputTable: `${table}_features`, replace: true, step: generated.step });
  for (const warning of built.warnings) io.err(`warning: ${warning}`);
  return built.name;
}

async function validateCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine({ options: { data: { type: 'string' }, target: { type: 'string' }, positive: { type: 'string' } } }, argv, PACK_HELP);
  const file = requireFile(positionals[0], 'The pack file');
  const text = fs.readFileSync(file, 'utf8');
  const data = stringOption(values, 'data');
  if (data !== undefined) requireFile(data, '--data');
  const target = targetOption(values);
  // Schema and hash first, without starting the engine: a broken pack fails at once.
  const { pack: read, migratedFrom } = await readPack(text);
  const result = await withEngine(async (engine) => {
    const info = { pack: read, migratedFrom };
    io.out(`schema ok, content hash ok: ${info.pack.name} ${info.pack.version} ${info.pack.contentHash}${info.migratedFrom ? ` (migrated from ${info.migratedFrom})` : ''}`);
    let table: string | undefined;
    if (data !== undefined) {
      table = await openData(engine.client, data, io, info.pack.entity.table);
      const sha = fileSha256(data);
      const known = info.pack.provenance.sources.find((s) => s.sha256 === sha);
      io.out(known ? `data: ${path.basename(data)} is the build source ${known.name}` : `data: ${path.basename(data)} is not one of the build sources (metrics are compared as drift)`);
    }
    return engine.client.run('pack.validate', { text, table, target, ...(data !== undefined ? { dataName: path.basename(data) } : {}) });
  });
  const { golden, drift } = result;
  const keyName = read.entity.key === null ? 'row' : 'key';
  io.out(`golden rows: ${golden.rows - golden.mismatches.length} of ${golden.rows} match`);
  // A summary and a few examples: a broken pack must not bury the verdict under thousands of lines.
  for (const m of golden.mismatches.slice(0, EXAMPLES)) io.out(`  MISMATCH ${keyName} ${JSON.stringify(m.key)}: expected [${m.expected.join(', ')}], got [${m.got.join(', ')}]`);
  if (golden.mismatches.length > EXAMPLES) io.out(`  ... and ${golden.mismatches.length - EXAMPLES} more mismatches`);
  const drifted = drift.filter((d) => d.outside);
  if (drift.length > 0) io.out(`metrics: ${drift.length - drifted.length} of ${drift.length} within their recorded 95% intervals`);
  for (const d of drifted.slice(0, EXAMPLES)) io.out(`  DRIFT ${d.tag} ${d.metric}: recorded ${d.recorded.toFixed(4)}, measured ${d.measured.toFixed(4)}`);
  if (drifted.length > EXAMPLES) io.out(`  ... and ${drifted.length - EXAMPLES} more drifted metrics`);
  io.out(result.ok ? 'valid' : 'INVALID');
  return result.ok ? EXIT.ok : EXIT.failed;
}

async function diffCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine({ options: { data: { type: 'string' }, json: { type: 'boolean' } } }, argv, PACK_HELP);
  const oldFile = requireFile(positionals[0], 'The old pack');
  const newFile = requireFile(positionals[1], 'The new pack');
  const data = stringOption(values, 'data');
  if (data !== undefined) requireFile(data, '--data');
  // Both read (schema, hash) before any engine starts; a bad one is named: "the new pack (v2.json) ...".
  const oldName = `the old pack (${path.basename(oldFile)})`;
  const newName = `the new pack (${path.basename(newFile)})`;
  const oldPack = await readPackFile(oldFile, oldName);
  const newPack = await readPackFile(newFile, newName);
  let diff;
  if (data === undefined) {
    diff = diffPacks(oldPack, newPack);
  } else {
    const oldText = fs.readFileSync(oldFile, 'utf8');
    const newText = fs.readFileSync(newFile, 'utf8');
    diff = await withEngine(async (engine) => {
      const table = await openData(engine.client, data, io);
      return engine.client.run('pack.diff', { oldText, newText, table, dataName: path.basename(data), oldName, newName });
    });
  }
  io.out(values.json === true ? JSON.stringify(diff, null, 2) : formatDiff(diff, data === undefined ? undefined : path.basename(data)));
  return EXIT.ok;
}

async function exportCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(
    { options: { target: { type: 'string' }, out: { type: 'string' }, sink: { type: 'string' }, table: { type: 'string' }, 'source-table': { type: 'string' }, 'source-where': { type: 'string' } } },
    argv,
    PACK_HELP,
  );
  const file = requireFile(positionals[0], 'The pack file');
  const target = stringOption(values, 'target');
  if (target === undefined || !SQL_DIALECTS.includes(target as SqlDialect)) throw new UsageError(`--target must be one of ${SQL_DIALECTS.join(', ')}.`);
  const table = stringOption(values, 'table')?.split('.');
  if (table?.some((part) => part === '')) throw new UsageError('--table must be a name such as db.users.');
  const exported = await readPackFile(file);
  const from = eventSource(exported, stringOption(values, 'source-table'), stringOption(values, 'source-where'));
  if (from !== undefined && table !== undefined) throw new UsageError('Give --table (the entity features) or --source-table (what the pack reads first), not both.');
  const sql = `${packToSql(exported, target as SqlDialect, { sink: stringOption(values, 'sink'), table, ...(from ? { from } : {}) })}\n`;
  const out = stringOption(values, 'out');
  if (out === undefined) io.out(sql.trimEnd());
  else {
    writeFileAtomic(path.resolve(out), sql);
    io.err(`wrote ${out}`);
  }
  return EXIT.ok;
}

async function applyCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine({ options: { data: { type: 'string' }, out: { type: 'string' } } }, argv, PACK_HELP);
  const pack = await readPackFile(requireFile(positionals[0], 'The pack file'));
  const data = requireFile(stringOption(values, 'data'), '--data');
  const out = stringOption(values, 'out');
  if (out === undefined || !out.toLowerCase().endsWith('.parquet')) throw new UsageError('--out must name a .parquet file.');
  const target = path.resolve(out);
  const temp = tempPathFor(target);
  try {
    // Native DuckDB (not the WASM build): data larger than a browser holds, all cores.
    const result = await applyPackNative(pack, data, temp);
    for (const warning of result.warnings) io.err(`warning: ${warning}`);
    commitTemp(temp, target);
    io.out(`${result.rows} ${pack.entity.key === null ? 'rows' : 'entities'} tagged`);
    for (const t of pack.tags) io.out(`  ${t.id}${t.name === t.id ? '' : ` (${t.name})`}: ${result.counts[t.id] ?? 0}`);
  } finally {
    discardTemp(temp);
  }
  io.err(`wrote ${out}`);
  return EXIT.ok;
}

function plotlyBundle(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    return fs.readFileSync(require.resolve('plotly.js-cartesian-dist-min'), 'utf8');
  } catch {
    return undefined;
  }
}

async function reportCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine({ options: { out: { type: 'string' } } }, argv, PACK_HELP);
  const pack = await readPackFile(requireFile(positionals[0], 'The pack file'));
  const out = stringOption(values, 'out');
  if (out === undefined) throw new UsageError('--out is required.');
  writeFileAtomic(path.resolve(out), packReportHtml(pack, { plotlyJs: plotlyBundle() }));
  io.err(`wrote ${out}`);
  return EXIT.ok;
}

async function reviewCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine({ options: { by: { type: 'string' }, approve: { type: 'boolean' }, reject: { type: 'boolean' }, note: { type: 'string' } } }, argv, PACK_HELP);
  const file = requireFile(positionals[0], 'The pack file');
  if ((values.approve === true) === (values.reject === true)) throw new UsageError('Give exactly one of --approve and --reject.');
  const by = stringOption(values, 'by');
  if (!by) throw new UsageError('--by is required.');
  const pack = addReview(await readPackFile(file), { by, decision: values.approve === true ? 'approve' : 'reject', note: stringOption(values, 'note') ?? '' });
  writeFileAtomic(path.resolve(file), writePack(pack));
  io.out(`${values.approve === true ? 'approved' : 'rejected'} ${pack.name} ${pack.version} (${pack.contentHash})`);
  return EXIT.ok;
}

/** `assay pack ...`: returns the process exit code. */
export async function packCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
      io.out(PACK_HELP);
      return sub === undefined ? EXIT.usage : EXIT.ok;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(PACK_HELP);
      return EXIT.ok;
    }
    if (sub === 'build') return await buildCommand(rest, io);
    if (sub === 'validate') return await validateCommand(rest, io);
    if (sub === 'diff') return await diffCommand(rest, io);
    if (sub === 'export') return await exportCommand(rest, io);
    if (sub === 'apply') return await applyCommand(rest, io);
    if (sub === 'report') return await reportCommand(rest, io);
    if (sub === 'review') return await reviewCommand(rest, io);
    throw new UsageError(`Unknown pack command "${sub}".\n\n${PACK_HELP}`);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`assay pack: ${err.message}`);
      return EXIT.usage;
    }
    // Engine errors in plain words; anything else as one line and a hint, never a stack.
    const { lines, code } = formatFailure(err, process.env.ASSAY_DEBUG === '1');
    for (const line of lines) io.err(line);
    return code;
  }
}
