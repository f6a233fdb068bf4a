import { DataType, TimeUnit, tableFromIPC, tableToIPC, type Field, type Table, type Timestamp } from 'apache-arrow';
import {
  COLUMN_TYPES,
  type ColumnInfo,
  type ColumnTypeName,
  type EngineInfo,
  type ExportParams,
  type ExportResult,
  type FetchParams,
  type FetchResult,
  type FileFormat,
  type FileSource,
  type OpenParams,
  type ProfileParams,
  type QueryParams,
  type QueryResult,
  type SourceInfo,
  type TableInfo,
  type TableProfile,
} from './types';
import { EngineError, plainMessage, throwIfAborted } from '../protocol/errors';
import type { JobContext } from '../protocol/host';
import { REGISTERED_FILE_DIR, type DuckDriver } from './driver';
import { sqlError } from './duck-errors';
import { verifyGzip } from './gzip-check';
import { jsonToArrowIPC } from './json-load';
import { tableNameFromFile, uniqueName } from './naming';
import { parquetWriterProperties, streamParquet } from './parquet-export';
import { checkRowGroupPages, checkRowGroupValues, damagedParquet, readParquetFacts, type ParquetFacts } from './parquet-check';
import { planSqlValueCheck } from './parquet-check-sql';
import type { ParquetWasmModule } from './parquet-types';
import { profileTable } from './profile-job';
import { rowsOf, toNumber } from './arrow-values';
import { detectFormat, firstLineFieldCount, isValidUtf8Prefix, sniffDecimalComma, sniffDelimiter } from './sniff';
import { leadingKeyword, quoteIdent, quoteLiteral, splitStatements } from './sql-text';

export type ParquetLoader = () => Promise<ParquetWasmModule>;
type ParquetFileHandle = Awaited<ReturnType<ParquetWasmModule['ParquetFile']['fromFile']>>;

const SNIFF_BYTES = 64 * 1024;
/** The line limit for a CSV retried after DuckDB's default (2 MB) was too small. */
const LONG_LINE_BYTES = 64 * 1024 * 1024;
const MAX_KEPT_RESULTS = 8;
/** Statements whose result can be materialised with CREATE TEMP TABLE ... AS. */
const QUERY_KEYWORDS = new Set(['SELECT', 'WITH', 'FROM', 'VALUES', 'TABLE', 'PIVOT', 'UNPIVOT']);
/** Statements that return rows but cannot be wrapped (kept in memory as they are small). */
const ROW_KEYWORDS = new Set(['DESCRIBE', 'SHOW', 'SUMMARIZE', 'EXPLAIN', 'PRAGMA', 'CALL']);

interface KeptResult {
  table: string;
  columns: ColumnInfo[];
  rowCount: number;
}

/**
 * The data engine: files -> DuckDB tables, catalog, profiles, SQL with windowed results, exports.
 * Host-independent: the same code runs in the app's Web Worker and in Node.
 */
export class DataEngine {
  private readonly sources = new Map<string, SourceInfo>();
  private readonly results = new Map<string, KeptResult>();
  private resultCounter = 0;
  private fileCounter = 0;
  private parquet: Promise<ParquetWasmModule> | null = null;

  constructor(
    readonly driver: DuckDriver,
    private readonly loadParquet: ParquetLoader,
  ) {}

  async info(): Promise<EngineInfo> {
    return { duckdbVersion: await this.driver.version(), bundle: this.driver.bundle, host: this.driver.host };
  }

  private parquetModule(): Promise<ParquetWasmModule> {
    this.parquet ??= this.loadParquet();
    return this.parquet;
  }

  // ---------------------------------------------------------------- catalog

  async tableNames(): Promise<string[]> {
    const t = await this.driver.query(
      "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary AND NOT internal ORDER BY table_name",
    );
    return rowsOf(t).map((r) => String(r.table_name)).filter((n) => !n.startsWith('__assay_'));
  }

  private async resolveTable(name: string): Promise<string> {
    if (typeof name !== 'string' || name.length === 0) throw new EngineError('BAD_INPUT', 'A table name is required.');
    const names = await this.tableNames();
    const exact = names.find((n) => n === name) ?? names.find((n) => n.toLowerCase() === name.toLowerCase());
    if (!exact) throw new EngineError('NOT_FOUND', `There is no table named "${name}".`);
    return exact;
  }

  async columnsOf(table: string): Promise<ColumnInfo[]> {
    const t = await this.driver.query(
      `SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ${quoteLiteral(table)} ORDER BY column_index`,
    );
    return rowsOf(t).map((r) => ({ name: String(r.column_name), type: String(r.data_type) }));
  }

  async describe(table: string): Promise<TableInfo> {
    const columns = await this.columnsOf(table);
    const count = rowsOf(await this.driver.query(`SELECT count(*) AS n FROM ${quoteIdent(table)}`))[0]?.n;
    const source = this.sources.get(table.toLowerCase());
    return source ? { name: table, rowCount: toNumber(count), columns, source } : { name: table, rowCount: toNumber(count), columns };
  }

  async catalog(): Promise<TableInfo[]> {
    const out: TableInfo[] = [];
    for (const name of await this.tableNames()) out.push(await this.describe(name));
    return out;
  }

  async rename(tableName: string, newName: string): Promise<TableInfo> {
    const table = await this.resolveTable(tableName);
    if (typeof newName !== 'string' || newName.trim().length === 0) throw new EngineError('BAD_INPUT', 'The new table name is empty.');
    const target = newName.trim();
    const names = await this.tableNames();
    if (names.some((n) => n.toLowerCase() === target.toLowerCase() && n.toLowerCase() !== table.toLowerCase())) {
      throw new EngineError('BAD_INPUT', `A table named "${target}" already exists.`);
    }
    await this.driver.query(`ALTER TABLE ${quoteIdent(table)} RENAME TO ${quoteIdent(target)}`);
    const source = this.sources.get(table.toLowerCase());
    this.sources.delete(table.toLowerCase());
    if (source) this.sources.set(target.toLowerCase(), source);
    return this.describe(target);
  }

  async drop(tableName: string): Promise<{ dropped: string }> {
    const table = await this.resolveTable(tableName);
    await this.driver.query(`DROP TABLE ${quoteIdent(table)}`);
    this.sources.delete(table.toLowerCase());
    return { dropped: table };
  }

  async alterType(tableName: string, column: string, type: ColumnTypeName, ctx?: Pick<JobContext, 'signal' | 'progress'>): Promise<TableInfo> {
    const table = await this.resolveTable(tableName);
    if (!(COLUMN_TYPES as readonly string[]).includes(type)) {
      throw new EngineError('BAD_INPUT', `"${String(type)}" is not a type Assay can convert to. Choose one of: ${COLUMN_TYPES.join(', ')}.`);
    }
    const columns = await this.columnsOf(table);
    const col = columns.find((c) => c.name === column);
    if (!col) throw new EngineError('NOT_FOUND', `Table "${table}" has no column "${column}".`);
    // One statement over the whole column: cancellable (DuckDB is interrupted and rolls it back), not divisible.
    ctx?.progress(0.05, `converting "${column}" to ${type}`);
    try {
      await this.driver.query(`ALTER TABLE ${quoteIdent(table)} ALTER COLUMN ${quoteIdent(column)} SET DATA TYPE ${type}`, ctx?.signal);
    } catch (err) {
      if (ctx) throwIfAborted(ctx.signal);
      const cause = err instanceof Error ? err.message : String(err);
      throw new EngineError('BAD_INPUT', `Cannot change "${column}" from ${col.type} to ${type}: ${cause.split('\n')[0]}. The table is unchanged.`, { cause });
    }
    return this.describe(table);
  }

  // ---------------------------------------------------------------- loading

  private sourceName(source: FileSource): string {
    if (source.kind === 'path') return source.path.split(/[\\/]/).pop() ?? source.path;
    return source.name;
  }

  async open(params: OpenParams, ctx: JobContext): Promise<TableInfo> {
    const { source } = params;
    if (!source || typeof source !== 'object') throw new EngineError('BAD_INPUT', 'No file was given to open.');
    const fileName = this.sourceName(source);
    ctx.progress(0.02, `reading ${fileName}`);
    let blob: Blob;
    try {
      blob = await this.driver.asBlob(source);
    } catch (err) {
      throw new EngineError('NOT_FOUND', `Cannot read ${fileName}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (blob.size === 0) throw new EngineError('EMPTY_FILE', `${fileName} is empty (0 bytes); there is nothing to load.`);
    const head = new Uint8Array(await blob.slice(0, SNIFF_BYTES).arrayBuffer());
    const detected = params.format ? { format: params.format, ...(detectFormat(fileName, head).compression ? { compression: 'gzip' as const } : {}) } : detectFormat(fileName, head);

    const existing = await this.tableNames();
    const requested = params.tableName?.trim() || tableNameFromFile(fileName);
    const target = params.replace ? requested : uniqueName(requested, existing);
    const staging = `__assay_loading_${++this.fileCounter}`;
    const info: SourceInfo = { fileName, format: detected.format, bytes: blob.size };
    if (source.kind === 'path') info.path = source.path;
    if (detected.compression) info.compression = detected.compression;
    const warnings: string[] = [];
    if (target !== requested) {
      // Never replace silently: a second file with the same table name gets a suffix, and says so.
      const taken = existing.find((n) => n.toLowerCase() === requested.toLowerCase()) ?? requested;
      const from = this.sources.get(taken.toLowerCase())?.fileName;
      warnings.push(`A table named "${taken}" already exists${from ? ` (from ${from})` : ''}; ${fileName} was loaded as "${target}".`);
    }

    try {
      if (detected.compression === 'gzip') {
        ctx.progress(0.03, `checking ${fileName}`);
        await verifyGzip(blob, fileName, ctx.signal);
      }
      if (detected.format === 'parquet') {
        await this.loadParquetFile(fileName, source, blob, head, staging, ctx);
      } else if (detected.format === 'json' || detected.format === 'ndjson') {
        if (detected.compression) throw new EngineError('UNSUPPORTED_FORMAT', `${fileName}: gzipped JSON is not supported; decompress it first.`);
        await this.loadJson(fileName, blob, detected.format, staging, ctx);
      } else {
        await this.loadCsv(fileName, source, head, detected.compression, params, staging, info, warnings, ctx);
      }
      throwIfAborted(ctx.signal);
      ctx.progress(0.95, 'registering table');
      if (params.replace && existing.some((n) => n.toLowerCase() === target.toLowerCase())) {
        await this.driver.query(`DROP TABLE ${quoteIdent(target)}`);
      }
      await this.driver.query(`ALTER TABLE ${quoteIdent(staging)} RENAME TO ${quoteIdent(target)}`);
    } catch (err) {
      await this.driver.query(`DROP TABLE IF EXISTS ${quoteIdent(staging)}`).catch(() => undefined);
      throw err;
    }
    this.sources.set(target.toLowerCase(), info);
    const described = await this.describe(target);
    ctx.progress(1, 'loaded');
    return warnings.length > 0 ? { ...described, warnings } : described;
  }

  private async loadCsv(
    fileName: string,
    source: FileSource,
    head: Uint8Array,
    compression: 'gzip' | undefined,
    params: OpenParams,
    staging: string,
    info: SourceInfo,
    warnings: string[],
    ctx: JobContext,
  ): Promise<void> {
    const registered = this.registeredName(fileName);
    await this.driver.registerFile(registered, source);
    try {
      const options: string[] = [];
      let latin1 = false;
      /** The file's first bytes as text (not for gzip), to name columns a long row added. */
      let headText: string | null = null;
      if (!compression) {
        if (!isValidUtf8Prefix(head)) latin1 = true;
        const text = new TextDecoder(latin1 ? 'latin1' : 'utf-8').decode(head);
        headText = text;
        const delimiter = params.csv?.delimiter ?? sniffDelimiter(text);
        if (delimiter) options.push(`delim = ${quoteLiteral(delimiter)}`);
        info.delimiter = delimiter ?? ',';
        if (delimiter && sniffDecimalComma(text, delimiter)) {
          options.push("decimal_separator = ','");
          warnings.push(`${fileName} writes decimals with a comma (1,5): its numbers were read that way (1,5 = 1.5).`);
        }
        // Not gzip by its bytes: never let DuckDB guess from a .gz name.
        options.push("compression = 'none'");
      } else {
        options.push("compression = 'gzip'");
        if (params.csv?.delimiter) options.push(`delim = ${quoteLiteral(params.csv.delimiter)}`);
      }
      if (params.csv?.header !== undefined) options.push(`header = ${params.csv.header ? 'true' : 'false'}`);
      const read = (extra: string[]): string =>
        `CREATE TABLE ${quoteIdent(staging)} AS SELECT * FROM read_csv(${quoteLiteral(registered)}${[...options, ...extra].map((o) => `, ${o}`).join('')})`;
      ctx.progress(0.1, `loading ${fileName}`);
      const attempt = async (extra: string[]): Promise<void> => {
        await this.driver.query(read(extra), ctx.signal);
      };
      const encoding = latin1 ? ["encoding = 'latin-1'"] : [];
      if (latin1) warnings.push(`${fileName} is not valid UTF-8; it was decoded as Latin-1 (ISO-8859-1). Check accented characters.`);
      try {
        await attempt(encoding);
      } catch (err) {
        throwIfAborted(ctx.signal);
        const message = err instanceof Error ? err.message : String(err);
        if (/Invalid unicode|not utf-8/i.test(message) && !latin1) {
          warnings.push(`${fileName} is not valid UTF-8; it was decoded as Latin-1 (ISO-8859-1). Check accented characters.`);
          await this.retryCsv(attempt, ["encoding = 'latin-1'"], fileName, registered);
        } else if (/Maximum line size of \d+ bytes exceeded/.test(message)) {
          // A field longer than DuckDB's default line limit (2 MB) is data, not damage.
          // Sized from DuckDB's report, with a read buffer twice that (a fixed 64 MB limit asks
          // for a buffer the wasm heap may not have).
          const actual = Number(/Actual Size:\s*(\d+)/.exec(message)?.[1] ?? 0);
          const limit = Math.min(LONG_LINE_BYTES, Math.max(4 << 20, 2 * actual));
          await this.retryCsv(attempt, [...encoding, `max_line_size = ${limit}`, `buffer_size = ${2 * limit}`], fileName, registered, message);
        } else if (/CSV Error|Expected Number of Columns|columns|Could not convert|sniff/i.test(message)) {
          const lenient = [...encoding, 'null_padding = true', 'ignore_errors = true'];
          await this.retryCsv(attempt, lenient, fileName, registered, message).catch(async (err: unknown) => {
            // strict_mode off: mixed line ends (CRLF and LF) no longer stop DuckDB's sniffer.
            if (!(err instanceof EngineError) || err.code !== 'CORRUPT_FILE') throw err;
            await this.retryCsv(attempt, [...lenient, 'strict_mode = false'], fileName, registered, message);
          });
          const rows = await this.driver.query(`SELECT count(*) AS n FROM ${quoteIdent(staging)}`);
          const loaded = toNumber(rowsOf(rows)[0]?.n);
          const first = (message.split('\n')[0] ?? 'CSV error').replace(/^Invalid Input Error: /, '').replaceAll(registered, fileName);
          // DuckDB's sniffer only says it failed; what the user needs to know is that rows differ in length.
          const detail = /Error when sniffing file/i.test(first) ? 'rows with more or fewer fields than the others' : first;
          // A row longer than the header makes DuckDB add columns (column03, ...): name them.
          const columns = (await this.driver.query(`SELECT * FROM ${quoteIdent(staging)} LIMIT 0`)).schema.fields.map((f) => f.name);
          const headerFields = headText === null || info.delimiter === undefined ? null : firstLineFieldCount(headText, info.delimiter);
          const added = headerFields !== null && params.csv?.header !== false && columns.length > headerFields ? columns.slice(headerFields) : [];
          warnings.push(
            `${fileName} has malformed rows (${detail}). ` +
              `Loaded ${loaded.toLocaleString('en-US')} rows: short rows were padded with NULL and rows that could not be parsed were skipped.` +
              (added.length > 0 ? ` Rows longer than the header added the column${added.length === 1 ? '' : 's'} ${added.join(', ')} (empty in the other rows).` : ''),
          );
        } else {
          throw new EngineError('CORRUPT_FILE', `Cannot read ${fileName} as CSV: ${message.split('\n')[0]?.replaceAll(registered, fileName)}`, { cause: message });
        }
      }
      if (info.delimiter === undefined) info.delimiter = params.csv?.delimiter ?? ',';
    } finally {
      await this.driver.dropFile(registered).catch(() => undefined);
    }
  }

  private async retryCsv(attempt: (extra: string[]) => Promise<void>, extra: string[], fileName: string, registered: string, first?: string): Promise<void> {
    try {
      await attempt(extra);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof EngineError) throw err;
      throw new EngineError('CORRUPT_FILE', `Cannot read ${fileName} as CSV: ${(first ?? message).split('\n')[0]?.replaceAll(registered, fileName)}`, { cause: message });
    }
  }

  private async loadJson(fileName: string, blob: Blob, format: FileFormat, staging: string, ctx: JobContext): Promise<void> {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new EngineError('ENCODING', `${fileName} is not valid UTF-8; JSON files must be UTF-8 encoded.`);
    }
    ctx.progress(0.3, `parsing ${fileName}`);
    const ipc = jsonToArrowIPC(text, format === 'ndjson' ? 'ndjson' : 'json', fileName);
    throwIfAborted(ctx.signal);
    ctx.progress(0.7, 'inserting rows');
    await this.driver.insertArrowIPC(staging, ipc, true);
  }

  /** The name DuckDB reads the file being loaded under (see REGISTERED_FILE_DIR). */
  private registeredName(fileName: string): string {
    return `${REGISTERED_FILE_DIR}file_${this.fileCounter}_${fileName.replace(/[^A-Za-z0-9_.]/g, '_')}`;
  }

  private async loadParquetFile(fileName: string, source: FileSource, blob: Blob, head: Uint8Array, staging: string, ctx: JobContext): Promise<void> {
    const magic = String.fromCharCode(...head.subarray(0, 4));
    const tail = new Uint8Array(await blob.slice(Math.max(0, blob.size - 4)).arrayBuffer());
    if (magic !== 'PAR1' || String.fromCharCode(...tail) !== 'PAR1') {
      throw new EngineError('CORRUPT_FILE', `${fileName} is not a valid Parquet file (missing the PAR1 markers); it may be truncated or corrupt.`);
    }
    // A damaged page may decode without an error: check pages and values against the footer.
    const facts = await readParquetFacts(blob, fileName);
    const parquet = await this.parquetModule();
    let file: ParquetFileHandle;
    try {
      file = await parquet.ParquetFile.fromFile(blob);
    } catch (err) {
      throw damagedParquet(fileName, 'its footer', `cannot be read (${plainMessage(err instanceof Error ? err.message : String(err)).split('\n')[0]})`);
    }
    const groups = file.metadata().numRowGroups();
    if (facts.rowGroups.length !== groups) throw damagedParquet(fileName, 'its footer', 'does not agree with itself about its row groups');
    if (this.driver.readsParquet === true && source.kind === 'path') await this.loadParquetNative(fileName, source, blob, file, facts, staging, ctx);
    else await this.decodeParquetGroups(fileName, blob, file, facts, ctx, { insertInto: staging, pagesChecked: false });
  }

  /**
   * Decodes the file row group by row group (so a large file is never held whole in memory) with
   * parquet-wasm, checking each group's pages (unless done already) and values against the footer,
   * and inserts it into `insertInto` when given.
   */
  private async decodeParquetGroups(
    fileName: string,
    blob: Blob,
    file: ParquetFileHandle,
    facts: ParquetFacts,
    ctx: JobContext,
    options: { insertInto: string | null; pagesChecked: boolean },
  ): Promise<void> {
    const groups = facts.rowGroups.length;
    const total = Math.max(1, groups);
    for (let g = 0; g < total; g++) {
      throwIfAborted(ctx.signal);
      ctx.progress(0.05 + (0.85 * g) / total, `reading row group ${g + 1} of ${total}`);
      const groupFacts = facts.rowGroups[g];
      const pages = groupFacts && !options.pagesChecked ? await checkRowGroupPages(blob, groupFacts) : null;
      if (pages) throw damagedParquet(fileName, `row group ${g + 1}:`, pages);
      let ipc: Uint8Array;
      try {
        const table = groups === 0 ? await file.read() : await file.read({ rowGroups: [g] });
        ipc = table.intoIPCStream();
      } catch (err) {
        throw damagedParquet(fileName, `row group ${g + 1}`, `cannot be decoded (${plainMessage(err instanceof Error ? err.message : String(err)).split('\n')[0]})`);
      }
      const values = groupFacts ? checkRowGroupValues(tableFromIPC(ipc), groupFacts) : null;
      if (values) throw damagedParquet(fileName, `row group ${g + 1}:`, values);
      if (options.insertInto !== null) await this.driver.insertArrowIPC(options.insertInto, ipc, g === 0);
    }
  }

  /**
   * Where DuckDB reads Parquet itself: the pages are walked first (headers only, so cheap), then
   * read_parquet fills a table typed from parquet-wasm's schema (the types inserting the decoded
   * groups would give), and one DuckDB query compares each row group's loaded values with the
   * footer (parquet-check-sql.ts). Only where that query cannot compare what the decoded check
   * would is every group decoded and checked in JS first, as before.
   */
  /**
   * A table typed from an Arrow schema falls back to VARCHAR for lists, structs, maps, TIME,
   * INTERVAL and UUID, and to microseconds for other timestamp units; duckdb-wasm's Arrow insert
   * keeps them. Those columns take the type DuckDB's Parquet reader gives instead (a timestamp its
   * Arrow unit), so a file loads with (nearly) the same types on both drivers: a list stays a list,
   * a time a time, not their text.
   */
  private async readerTypesForNested(staging: string, fields: readonly Field[], registered: string, signal: AbortSignal): Promise<void> {
    // The Arrow types an Arrow-typed CREATE renders faithfully; every other column (lists, structs,
    // maps, TIME, INTERVAL, UUID, other timestamp units) takes the reader's type.
    const faithful = (type: DataType): boolean =>
      DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isBool(type) || DataType.isInt(type) || DataType.isFloat(type) || DataType.isDecimal(type) ||
      DataType.isDate(type) || DataType.isBinary(type) || DataType.isLargeBinary(type) || (DataType.isTimestamp(type) && (type as Timestamp).unit === TimeUnit.MICROSECOND);
    const keepsOwnType = (type: DataType): boolean => !faithful(type);
    if (!fields.some((f) => keepsOwnType(f.type))) return;
    const typesOf = async (relation: string): Promise<string[]> => rowsOf(await this.driver.query(`DESCRIBE ${relation}`, signal)).map((r) => String(r.column_type));
    const reader = await typesOf(`SELECT * FROM read_parquet(${quoteLiteral(registered)})`);
    const table = await typesOf(quoteIdent(staging));
    if (reader.length !== fields.length || table.length !== fields.length) return;
    // DuckDB's reader widens millisecond and second timestamps to microseconds; the Arrow insert keeps the unit.
    const unitTypes: Partial<Record<TimeUnit, string>> = { [TimeUnit.SECOND]: 'TIMESTAMP_S', [TimeUnit.MILLISECOND]: 'TIMESTAMP_MS', [TimeUnit.NANOSECOND]: 'TIMESTAMP_NS' };
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i] as Field;
      if (!keepsOwnType(field.type)) continue;
      const timestamp = DataType.isTimestamp(field.type) ? (field.type as Timestamp) : null;
      const wanted = timestamp ? (timestamp.timezone ? null : (unitTypes[timestamp.unit] ?? null)) : (reader[i] as string);
      if (wanted !== null && wanted !== table[i]) await this.driver.query(`ALTER TABLE ${quoteIdent(staging)} ALTER COLUMN ${quoteIdent(field.name)} TYPE ${wanted}`, signal);
    }
  }

  private async loadParquetNative(fileName: string, source: FileSource, blob: Blob, file: ParquetFileHandle, facts: ParquetFacts, staging: string, ctx: JobContext): Promise<void> {
    const total = facts.rowGroups.length;
    for (let g = 0; g < total; g++) {
      throwIfAborted(ctx.signal);
      if (g % 16 === 0) ctx.progress(0.05 + (0.1 * g) / total, `checking row group ${g + 1} of ${total}`);
      const pages = await checkRowGroupPages(blob, facts.rowGroups[g] as ParquetFacts['rowGroups'][number]);
      if (pages) throw damagedParquet(fileName, `row group ${g + 1}:`, pages);
    }
    const empty = tableFromIPC(file.schema().intoIPCStream());
    await this.driver.insertArrowIPC(staging, tableToIPC(empty, 'stream'), true);
    // Row groups are found by rowid: only sound while INSERT keeps the file's row order.
    const ordered = rowsOf(await this.driver.query(`SELECT current_setting('preserve_insertion_order') AS v`))[0]?.v === true;
    const plan = ordered ? planSqlValueCheck(staging, empty.schema, facts) : null;
    if (!plan) await this.decodeParquetGroups(fileName, blob, file, facts, ctx, { insertInto: null, pagesChecked: true });

    ctx.progress(0.2, 'reading the file into DuckDB');
    const registered = this.registeredName(fileName);
    await this.driver.registerFile(registered, source);
    try {
      await this.readerTypesForNested(staging, empty.schema.fields, registered, ctx.signal);
      await this.driver.query(`INSERT INTO ${quoteIdent(staging)} SELECT * FROM read_parquet(${quoteLiteral(registered)})`, ctx.signal);
    } catch (err) {
      throwIfAborted(ctx.signal);
      if (err instanceof EngineError) throw err;
      // DuckDB's own words. Decoding with parquet-wasm to name the row group is no safer: on some
      // damaged pages it panics outside any promise and takes the process down.
      const detail = plainMessage(err instanceof Error ? err.message : String(err))
        .split('\n')[0]
        ?.replace(/^[A-Za-z ]*Error: /, '')
        .replaceAll(registered, fileName);
      throw new EngineError('CORRUPT_FILE', `${fileName} cannot be read as Parquet (${detail}); it may be damaged. Nothing was loaded.`, { cause: err instanceof Error ? err.message : String(err) });
    } finally {
      await this.driver.dropFile(registered);
    }
    if (plan) {
      ctx.progress(0.85, 'checking the values against the footer');
      let verdict: [number, string] | null;
      try {
        verdict = plan.verdict(await this.driver.query(plan.sql, ctx.signal));
      } catch {
        // A value the query cannot turn into the footer's numbers (an infinite date, say): decide in JS.
        throwIfAborted(ctx.signal);
        await this.decodeParquetGroups(fileName, blob, file, facts, ctx, { insertInto: null, pagesChecked: true });
        verdict = null;
      }
      if (verdict) throw damagedParquet(fileName, `row group ${verdict[0] + 1}:`, verdict[1]);
    }
  }

  // ---------------------------------------------------------------- profile

  async profile(params: ProfileParams, ctx: JobContext): Promise<TableProfile> {
    const table = await this.resolveTable(params.table);
    const all = await this.columnsOf(table);
    const wanted = params.columns ? all.filter((c) => params.columns?.includes(c.name)) : all;
    const bins = Math.max(1, Math.min(200, params.bins ?? 30));
    const topK = Math.max(1, Math.min(100, params.topK ?? 10));
    return profileTable(this.driver, table, wanted, { bins, topK }, ctx);
  }

  // ---------------------------------------------------------------- SQL

  async runSql(params: QueryParams, ctx: JobContext): Promise<QueryResult> {
    const started = Date.now();
    if (typeof params.sql !== 'string' || params.sql.trim().length === 0) throw new EngineError('BAD_INPUT', 'The query is empty.');
    const statements = splitStatements(params.sql);
    if (statements.length === 0) throw new EngineError('BAD_INPUT', 'The query has no statement (only comments or semicolons).');
    const preview = Math.max(0, Math.min(10_000, params.preview ?? 200));
    let catalogChanged = false;
    const lineOf = (offset: number): number => params.sql.slice(0, offset).split('\n').length - 1;

    for (let i = 0; i < statements.length; i++) {
      const statement = statements[i];
      if (!statement) continue;
      throwIfAborted(ctx.signal);
      ctx.progress(i / statements.length, statements.length > 1 ? `statement ${i + 1} of ${statements.length}` : 'running');
      const keyword = leadingKeyword(statement.text);
      const isLast = i === statements.length - 1;
      // Positions in errors refer to the user's whole text: shift by the lines before the statement.
      const fail = (err: unknown, extraShift: number, prefixLength: number): EngineError => {
        const e = sqlError(err, statement.text, extraShift, prefixLength);
        const pos = e.detail?.position;
        if (pos) {
          const line = pos.line + lineOf(statement.offset);
          const column = pos.line === 1 ? pos.column + (statement.offset - params.sql.lastIndexOf('\n', statement.offset - 1) - 1) : pos.column;
          const lines = params.sql.split('\n');
          let offset = 0;
          for (let l = 0; l < line - 1; l++) offset += (lines[l]?.length ?? 0) + 1;
          const position = { line, column, offset: offset + column - 1 };
          const where = ` (line ${line}, column ${column})`;
          return new EngineError('SQL_ERROR', e.message.replace(/ \(line \d+, column \d+\)$/, where), { ...e.detail, position });
        }
        return e;
      };
      if (isLast && QUERY_KEYWORDS.has(keyword)) {
        const name = `__assay_result_${++this.resultCounter}`;
        const wrapper = `CREATE TEMP TABLE ${quoteIdent(name)} AS\n`;
        try {
          await this.driver.query(`${wrapper}${statement.text}`, ctx.signal);
        } catch (err) {
          throw fail(err, 1, wrapper.length);
        }
        return this.keepResult(name, preview, started, catalogChanged);
      }
      let table: Table;
      try {
        table = await this.driver.query(statement.text, ctx.signal);
      } catch (err) {
        throw fail(err, 0, 0);
      }
      if (!QUERY_KEYWORDS.has(keyword) && !ROW_KEYWORDS.has(keyword)) catalogChanged = true;
      if (isLast) {
        const columns = table.schema.fields.map((f) => ({ name: f.name, type: String(f.type) }));
        const rows = table.numRows;
        const returnsRows = ROW_KEYWORDS.has(keyword) || QUERY_KEYWORDS.has(keyword);
        return {
          resultId: null,
          columns: returnsRows ? columns : columns,
          rowCount: rows,
          elapsedMs: Date.now() - started,
          preview: tableToIPC(rows > preview ? table.slice(0, preview) : table, 'stream'),
          catalogChanged,
        };
      }
    }
    throw new EngineError('INTERNAL', 'No statement was run.');
  }

  private async keepResult(name: string, preview: number, started: number, catalogChanged: boolean): Promise<QueryResult> {
    const columns = await this.tempColumns(name);
    const count = toNumber(rowsOf(await this.driver.query(`SELECT count(*) AS n FROM ${quoteIdent(name)}`))[0]?.n);
    const first = await this.driver.query(`SELECT * FROM ${quoteIdent(name)} LIMIT ${preview}`);
    const resultId = name;
    this.results.set(resultId, { table: name, columns, rowCount: count });
    await this.evictResults();
    return { resultId, columns, rowCount: count, elapsedMs: Date.now() - started, preview: tableToIPC(first, 'stream'), catalogChanged };
  }

  private async tempColumns(name: string): Promise<ColumnInfo[]> {
    const t = await this.driver.query(
      `SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = 'temp' AND table_name = ${quoteLiteral(name)} ORDER BY column_index`,
    );
    return rowsOf(t).map((r) => ({ name: String(r.column_name), type: String(r.data_type) }));
  }

  private async evictResults(): Promise<void> {
    while (this.results.size > MAX_KEPT_RESULTS) {
      const oldest = this.results.keys().next().value;
      if (oldest === undefined) break;
      await this.release(oldest);
    }
  }

  private keptResult(resultId: string): KeptResult {
    const kept = this.results.get(resultId);
    if (!kept) throw new EngineError('NOT_FOUND', 'That result is no longer available; run the query again.');
    // Refresh its place in the LRU order.
    this.results.delete(resultId);
    this.results.set(resultId, kept);
    return kept;
  }

  async fetch(params: FetchParams): Promise<FetchResult> {
    const kept = this.keptResult(params.resultId);
    const offset = Math.max(0, Math.floor(Number(params.offset) || 0));
    const limit = Math.max(0, Math.min(100_000, Math.floor(Number(params.limit) || 0)));
    const t = await this.driver.query(`SELECT * FROM ${quoteIdent(kept.table)} LIMIT ${limit} OFFSET ${offset}`);
    return { offset, ipc: tableToIPC(t, 'stream'), rowCount: t.numRows };
  }

  async release(resultId: string): Promise<{ released: boolean }> {
    const kept = this.results.get(resultId);
    if (!kept) return { released: false };
    this.results.delete(resultId);
    await this.driver.query(`DROP TABLE IF EXISTS ${quoteIdent(kept.table)}`);
    return { released: true };
  }

  // ---------------------------------------------------------------- export

  async exportData(params: ExportParams, ctx: JobContext): Promise<ExportResult> {
    let relation: string;
    if ('resultId' in params.from) relation = quoteIdent(this.keptResult(params.from.resultId).table);
    else relation = quoteIdent(await this.resolveTable(params.from.table));
    const count = toNumber(rowsOf(await this.driver.query(`SELECT count(*) AS n FROM ${relation}`))[0]?.n);
    ctx.progress(0.1, `writing ${params.format.toUpperCase()}`);
    if (params.format === 'csv') {
      const out = await this.driver.copyTo(`SELECT * FROM ${relation}`, 'FORMAT csv, HEADER true, USE_TMP_FILE false', params.path, ctx.signal);
      return params.path ? { bytes: null, byteLength: out.byteLength, rowCount: count, path: params.path } : { bytes: out.bytes, byteLength: out.byteLength, rowCount: count };
    }
    if (params.format !== 'parquet') throw new EngineError('BAD_INPUT', `Unknown export format "${String(params.format)}"; use csv or parquet.`);
    const parquet = await this.parquetModule();
    if (params.path && this.driver.createFileWriter) {
      // Batch by batch into the file: the table is never held whole (in JS, Arrow or Parquet).
      const columns = toNumber(rowsOf(await this.driver.query(`SELECT count(*) AS n FROM (DESCRIBE SELECT * FROM ${relation})`))[0]?.n);
      const byteLength = await streamParquet(this.driver, parquet, relation, columns, this.driver.createFileWriter(params.path), ctx);
      return { bytes: null, byteLength, rowCount: count, path: params.path };
    }
    const table = await this.driver.query(`SELECT * FROM ${relation}`, ctx.signal);
    ctx.progress(0.6, 'encoding Parquet');
    const wasmTable = parquet.Table.fromIPCStream(tableToIPC(table, 'stream'));
    const bytes = parquet.writeParquet(wasmTable, parquetWriterProperties(parquet));
    return { bytes, byteLength: bytes.byteLength, rowCount: count };
  }
}
