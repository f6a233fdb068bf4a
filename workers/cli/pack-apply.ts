/**
 * `assay pack apply` on native DuckDB (@duckdb/node-api): data larger than the app holds. Files
 * are read with the decisions the engine makes when it opens them (workers/data/sniff.ts: format
 * by magic bytes, the delimiter, UTF-8 or Latin-1; malformed rows padded or skipped with the same
 * warnings), and failures come back as plain EngineErrors naming the file and the column.
 */
import fs from 'node:fs';
import path from 'node:path';
import { cleanDuckMessage } from '../data/duck-errors';
import { verifyGzip } from '../data/gzip-check';
import { checkRowGroupPages, damagedParquet, readParquetFacts } from '../data/parquet-check';
import { detectFormat, isValidUtf8Prefix, sniffDelimiter } from '../data/sniff';
import { quoteIdent, quoteLiteral } from '../data/sql-text';
import { EngineError, plainMessage } from '../protocol/errors';
import { tableRole } from '../packs/source';
import { packToSql } from '../packs/dialects/pack-sql';
import type { RulePack } from '../packs/schema';
import { checkPackColumns } from '../packs/service';
import { checkRuleTypes } from '../packs/type-check';

const SNIFF_BYTES = 64 * 1024;

export interface NativeApplyResult {
  rows: number;
  counts: Record<string, number>;
  /** Warnings about the input, worded as when the engine opens the same file. */
  warnings: string[];
}

interface Connection {
  run(sql: string): Promise<unknown>;
  runAndReadAll(sql: string): Promise<{ getRowObjectsJS(): Array<Record<string, unknown>> }>;
}

function readHead(file: string): Uint8Array {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const n = fs.readSync(fd, buffer, 0, SNIFF_BYTES, 0);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, n);
  } finally {
    fs.closeSync(fd);
  }
}

const rawMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** DuckDB's CSV errors that the engine answers by padding short rows and skipping bad ones. */
const MALFORMED_CSV = /CSV Error|Expected Number of Columns|columns|Could not convert|sniff/i;
const NOT_UTF8 = /Invalid unicode|not utf-8/i;

/** A reader for the file in native DuckDB, tried with the engine's CSV fallbacks in order. */
interface ReadPlan {
  /** SQL reading the file with the given extra read_csv options. */
  read(extra: string[]): string;
  csv: boolean;
  latin1: boolean;
}

function readPlan(file: string): ReadPlan {
  const name = path.basename(file);
  const quoted = quoteLiteral(path.resolve(file));
  const head = readHead(file);
  if (head.length === 0) throw new EngineError('EMPTY_FILE', `${name} is empty (0 bytes); there is nothing to tag.`);
  const detected = detectFormat(name, head);
  if (detected.format === 'parquet') {
    // The same check and words as when the engine opens a Parquet file.
    const size = fs.statSync(file).size;
    const tail = Buffer.alloc(4);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, tail, 0, 4, Math.max(0, size - 4));
    } finally {
      fs.closeSync(fd);
    }
    if (String.fromCharCode(...head.subarray(0, 4)) !== 'PAR1' || tail.toString('latin1') !== 'PAR1') {
      throw new EngineError('CORRUPT_FILE', `${name} is not a valid Parquet file (missing the PAR1 markers); it may be truncated or corrupt.`);
    }
    return { read: () => `read_parquet(${quoted})`, csv: false, latin1: false };
  }
  if (detected.format === 'json' || detected.format === 'ndjson') {
    if (detected.compression) throw new EngineError('UNSUPPORTED_FORMAT', `${name}: gzipped JSON is not supported; decompress it first.`);
    return { read: () => `read_json_auto(${quoted}${detected.format === 'ndjson' ? ", format = 'newline_delimited'" : ''})`, csv: false, latin1: false };
  }
  const options: string[] = [];
  let latin1 = false;
  if (detected.compression) options.push("compression = 'gzip'");
  else {
    latin1 = !isValidUtf8Prefix(head);
    const delimiter = sniffDelimiter(new TextDecoder(latin1 ? 'latin1' : 'utf-8').decode(head));
    if (delimiter) options.push(`delim = ${quoteLiteral(delimiter)}`);
  }
  return { read: (extra) => `read_csv(${quoted}${[...options, ...extra].map((o) => `, ${o}`).join('')})`, csv: true, latin1 };
}

const latin1Warning = (name: string): string => `${name} is not valid UTF-8; it was decoded as Latin-1 (ISO-8859-1). Check accented characters.`;

/** A DuckDB failure as plain words naming the file (and the column, where DuckDB names one). */
function applyError(err: unknown, file: string, reading: boolean): EngineError {
  if (err instanceof EngineError) return err;
  const name = path.basename(file);
  const message = cleanDuckMessage(plainMessage(rawMessage(err))).replaceAll(path.resolve(file), name).split('\n')[0] ?? 'unknown error';
  // DuckDB's class names ("Invalid Input Error: ") say nothing to a reader of the message.
  if (reading) return new EngineError('CORRUPT_FILE', `Cannot read ${name}: ${message.replace(/^(\w+ )*Error: /, '')}`, { cause: rawMessage(err) });
  return new EngineError('SQL_ERROR', `Tagging ${name} failed: ${message}`, { cause: rawMessage(err) });
}

/** Checks that the file has every column the pack reads and outputs, before any work. */
async function checkColumns(conn: Connection, pack: RulePack, view: string, file: string): Promise<'features' | 'events'> {
  const columns = (await conn.runAndReadAll(`DESCRIBE ${view}`)).getRowObjectsJS().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  const name = path.basename(file);
  // A pack that carries its feature step reads raw events (their columns checked by name) or its features.
  if (tableRole(pack, columns, name) === 'events') return 'events';
  checkPackColumns(pack, columns, name);
  // The counts word a conflict truly: a header-only file or an empty column is not "text values".
  await checkRuleTypes(pack, columns, name, async (column) => {
    const actual = columns.find((c) => c.name.toLowerCase() === column.toLowerCase())?.name ?? column;
    const row = (await conn.runAndReadAll(`SELECT count(*) AS n, count(${quoteIdent(actual)}) AS v FROM ${view}`)).getRowObjectsJS()[0] ?? {};
    return { rows: Number(row.n ?? 0), values: Number(row.v ?? 0) };
  });
  return 'features';
}

/**
 * The engine's checks for damaged files, before native DuckDB reads them: DuckDB stops quietly at
 * a truncated gzip end (a cut file tagged as if whole) and does not check Parquet page CRCs.
 */
async function refuseDamaged(file: string): Promise<void> {
  const name = path.basename(file);
  const detected = detectFormat(name, readHead(file));
  if (detected.compression !== 'gzip' && detected.format !== 'parquet') return;
  const blob = await fs.openAsBlob(file);
  if (detected.compression === 'gzip') {
    await verifyGzip(blob, name);
    return;
  }
  const facts = await readParquetFacts(blob, name);
  for (const [g, group] of facts.rowGroups.entries()) {
    const problem = await checkRowGroupPages(blob, group);
    if (problem) throw damagedParquet(name, `row group ${g + 1}:`, problem);
  }
}

/** Tags every row of `file` into a Parquet file at `temp` (renamed by the caller). */
export async function applyPackNative(pack: RulePack, file: string, temp: string): Promise<NativeApplyResult> {
  const plan = readPlan(file);
  await refuseDamaged(file);
  const name = path.basename(file);
  const { DuckDBInstance } = await import('../node/duckdb-instance');
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const view = quoteIdent(pack.entity.table);
  const warnings: string[] = [];
  const attempt = async (extra: string[]): Promise<void> => {
    await conn.run(`CREATE OR REPLACE VIEW ${view} AS SELECT * FROM ${plan.read(extra)}`);
    const role = await checkColumns(conn, pack, view, file);
    const sql = packToSql(pack, 'duckdb', role === 'events' ? { header: false, from: { table: [pack.entity.table] } } : { header: false, table: [pack.entity.table] });
    await conn.run(`COPY (${sql}) TO ${quoteLiteral(temp)} (FORMAT PARQUET)`);
  };
  try {
    let encoding = plan.latin1 ? ["encoding = 'latin-1'"] : [];
    if (plan.latin1) warnings.push(latin1Warning(name));
    try {
      await attempt(encoding);
    } catch (first) {
      if (first instanceof EngineError || !plan.csv) throw applyError(first, file, !(first instanceof EngineError));
      const message = rawMessage(first);
      if (NOT_UTF8.test(message) && !plan.latin1) {
        encoding = ["encoding = 'latin-1'"];
        warnings.push(latin1Warning(name));
        await attempt(encoding).catch((err: unknown) => {
          throw applyError(err, file, true);
        });
      } else if (MALFORMED_CSV.test(message)) {
        await attempt([...encoding, 'null_padding = true', 'ignore_errors = true']).catch((err: unknown) => {
          throw applyError(err, file, true);
        });
        const detail = (plainMessage(message).split('\n')[0] ?? 'CSV error').replace(/^Invalid Input Error: /, '').replaceAll(path.resolve(file), name);
        const loaded = Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM read_parquet(${quoteLiteral(temp)})`)).getRowObjectsJS()[0]?.n ?? 0);
        warnings.push(`${name} has malformed rows (${detail}). Loaded ${loaded.toLocaleString('en-US')} rows: short rows were padded with NULL and rows that could not be parsed were skipped.`);
      } else {
        throw applyError(first, file, false);
      }
    }
    const counts = pack.tags.map((t) => `count(*) FILTER (WHERE ${quoteIdent(t.id)}) AS ${quoteIdent(t.id)}`).join(', ');
    const row = (await conn.runAndReadAll(`SELECT count(*) AS ${quoteIdent('__rows')}, ${counts} FROM read_parquet(${quoteLiteral(temp)})`)).getRowObjectsJS()[0] ?? {};
    return { rows: Number(row.__rows ?? 0), counts: Object.fromEntries(pack.tags.map((t) => [t.id, Number(row[t.id] ?? 0)])), warnings };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
