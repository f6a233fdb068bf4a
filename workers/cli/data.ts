// `assay profile` and `assay query`: a file's profile, and SQL over files.
import { EngineError, profileCoverage, type ColumnProfile, type TableProfile } from '../api';
import { EXIT, UsageError, openFiles, parseCommandLine, requireFile, withEngine, writeOutput, type Io } from './common';
import { nonFiniteNote } from '../data/profile';
import { arrowToRows, renderTextTable } from './format-table';

const PROFILE_HELP = `Usage: assay profile FILE [--json]

Loads FILE and prints its row count and, per column: type, nulls, approximate distinct count,
min/max/mean/std, quantiles and the most frequent values. Numeric figures are over finite values:
NaN and ±infinity are counted and named under the table.

Options:
  --json         Print the full profile as JSON
  -h, --help     Show this help`;

const QUERY_HELP = `Usage: assay query FILE... --sql "SQL" [--out FILE.csv|FILE.parquet] [--limit N]

Loads each FILE as a table (named after the file) and runs SQL over them.

Options:
  --sql SQL      The query to run (required)
  --out FILE     Write the whole result to FILE (.csv or .parquet) instead of printing it
  --limit N      Rows to print (default 50; the row count is always shown)
  -h, --help     Show this help`;

function fmt(value: number | string | null, digits = 4): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Number(value.toPrecision(digits)).toString();
}

function profileRows(profile: TableProfile): string[][] {
  return profile.columns.map((c: ColumnProfile) => {
    const median = c.quantiles?.find((q) => q.q === 0.5)?.value ?? null;
    const top = (c.topK ?? []).slice(0, 3).map((t) => `${t.value ?? 'NULL'} (${t.count.toLocaleString('en-US')})`).join(', ');
    return [
      c.name,
      c.type,
      `${(c.nullFraction * 100).toFixed(1)}%`,
      `${c.distinctExact ? '' : '≈'}${c.distinct.toLocaleString('en-US')}`,
      fmt(c.min),
      fmt(c.max),
      fmt(c.mean),
      fmt(c.std),
      fmt(median),
      top,
    ];
  });
}

export async function profileCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine({ options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }, argv, PROFILE_HELP);
  if (values.help) {
    io.out(PROFILE_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`profile takes exactly one FILE (got ${positionals.length}).\n\n${PROFILE_HELP}`);
  const file = positionals[0] as string;
  requireFile(file);
  return withEngine(async ({ client }) => {
    const [table] = await openFiles(client, [file], io, (info) => {
      // The table's size as soon as it is loaded; the profile follows.
      if (!values.json) io.out(`${info.name}: ${info.rowCount.toLocaleString('en-US')} rows, ${info.columns.length} columns`);
    });
    const profile = await client.run('data.profile', { table: table as string });
    if (values.json) {
      io.out(JSON.stringify(profile, null, 2));
      return EXIT.ok;
    }
    io.out(`(${profileCoverage(profile)})`);
    io.out(renderTextTable(['column', 'type', 'null', 'distinct', 'min', 'max', 'mean', 'std', 'median', 'top values'], profileRows(profile), 32));
    // NaN and ±infinity are values, not nulls: say how many each column holds and that the figures leave them out.
    for (const c of profile.columns) {
      const note = nonFiniteNote(c);
      if (note) io.out(`${c.name}: ${note}`);
    }
    return EXIT.ok;
  });
}

export async function queryCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(
    {
      options: {
        sql: { type: 'string' },
        out: { type: 'string' },
        limit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    argv,
    QUERY_HELP,
  );
  if (values.help) {
    io.out(QUERY_HELP);
    return EXIT.ok;
  }
  const sql = values.sql;
  if (typeof sql !== 'string' || sql.trim().length === 0) throw new UsageError(`query needs --sql "SQL".\n\n${QUERY_HELP}`);
  if (positionals.length === 0) throw new UsageError(`query needs at least one FILE.\n\n${QUERY_HELP}`);
  const out = typeof values.out === 'string' ? values.out : undefined;
  const format = out === undefined ? undefined : out.toLowerCase().endsWith('.parquet') ? 'parquet' : out.toLowerCase().endsWith('.csv') ? 'csv' : null;
  if (format === null) throw new UsageError(`--out must end in .csv or .parquet (got ${out}).`);
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 0) throw new UsageError(`--limit must be a whole number >= 0 (got ${String(values.limit)}).`);
  for (const file of positionals) requireFile(file);
  return withEngine(async ({ client }) => {
    await openFiles(client, positionals, io);
    const result = await client.run('sql.run', { sql, preview: limit });
    if (out && format) {
      if (!result.resultId) throw new EngineError('BAD_INPUT', 'The SQL returns no rows to write; --out needs a query.');
      await writeOutput(client, { resultId: result.resultId }, out);
      io.err(`wrote ${result.rowCount.toLocaleString('en-US')} rows to ${out}`);
      return EXIT.ok;
    }
    const { tableFromIPC } = await import('apache-arrow');
    const { headers, rows } = arrowToRows(tableFromIPC(result.preview));
    if (headers.length > 0) io.out(renderTextTable(headers, rows.slice(0, limit)));
    const more = result.rowCount - Math.min(rows.length, limit);
    io.out(`(${result.rowCount.toLocaleString('en-US')} row${result.rowCount === 1 ? '' : 's'}${more > 0 ? `, ${more.toLocaleString('en-US')} not shown` : ''}; ${result.elapsedMs} ms)`);
    return EXIT.ok;
  });
}
