import type { SqlDialect } from '../schema';

/**
 * What differs between the SQL engines a pack targets. Every identifier and literal in generated
 * SQL goes through one of these functions, so quoting and escaping hold by construction.
 */
export interface Dialect {
  name: SqlDialect;
  /** A quoted identifier. */
  ident(name: string): string;
  /** Backslash escapes inside quoted strings (Spark, Hive): the SQL indenter must skip them. */
  backslashEscapes: boolean;
  /** A string literal holding exactly `value`. */
  string(value: string): string;
  /** `column [NOT] LIKE pattern`: `%` and `_` are wildcards, every other character literal. */
  like(column: string, pattern: string, negated: boolean): string;
  /** A partial (search) regex match, NULL on NULL input. */
  regex(column: string, pattern: string): string;
  /** The 32-bit float type name (Trino calls it REAL). */
  floatType: string;
  stringType: string;
  /** Days since 1970-01-01 of a DATE column, as DOUBLE. */
  daysSinceEpoch(column: string): string;
  /** Seconds since the epoch of a TIMESTAMP column, as DOUBLE; null where the engine has no exact form. */
  secondsSinceEpoch(column: string): string | null;
  /** An array of the given names where each condition is TRUE (conditions are never NULL). */
  firedNames(items: Array<{ condition: string; name: string }>): string;
  /** Wraps the SELECT as the dialect's statement (Flink writes to a sink table). */
  statement(select: string, sink: string): string;
}

const backtick = (name: string): string => `\`${name.replaceAll('`', '``')}\``;
const doubleQuote = (name: string): string => `"${name.replaceAll('"', '""')}"`;
/** Standard SQL strings: a quote is doubled, a backslash is an ordinary character. */
const standardString = (value: string): string => `'${value.replaceAll("'", "''")}'`;
/** Spark and Hive unescape backslash sequences inside string literals (and '' is not an escape). */
const backslashString = (value: string): string => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

const not = (negated: boolean): string => (negated ? 'NOT ' : '');

function caseNames(items: Array<{ condition: string; name: string }>, str: (v: string) => string): string[] {
  return items.map((item) => `CASE WHEN ${item.condition} THEN ${str(item.name)} END`);
}

const list = (parts: string[]): string => (parts.length === 0 ? '' : `\n    ${parts.join(',\n    ')}\n  `);

export const duckdb: Dialect = {
  name: 'duckdb',
  backslashEscapes: false,
  ident: doubleQuote,
  string: standardString,
  // DuckDB's LIKE has no escape character unless one is given.
  like: (column, pattern, negated) => `${column} ${not(negated)}LIKE ${standardString(pattern)}`,
  regex: (column, pattern) => `regexp_matches(${column}, ${standardString(pattern)})`,
  floatType: 'FLOAT',
  stringType: 'VARCHAR',
  daysSinceEpoch: (c) => `CAST(date_diff('day', DATE '1970-01-01', ${c}) AS DOUBLE)`,
  // epoch_us, not epoch(): the same DOUBLE for a TIMESTAMP, and a TIMESTAMPTZ's instant without ICU (duckdb-wasm has none).
  secondsSinceEpoch: (c) => `CAST(epoch_us(${c}) AS DOUBLE) / 1000000`,
  firedNames: (items) => `list_filter([${list(caseNames(items, standardString))}], x -> x IS NOT NULL)`,
  statement: (select) => select,
};

export const trino: Dialect = {
  name: 'trino',
  backslashEscapes: false,
  ident: doubleQuote,
  string: standardString,
  like: (column, pattern, negated) => `${column} ${not(negated)}LIKE ${standardString(pattern)}`,
  regex: (column, pattern) => `regexp_like(${column}, ${standardString(pattern)})`,
  floatType: 'REAL',
  stringType: 'VARCHAR',
  daysSinceEpoch: (c) => `CAST(date_diff('day', DATE '1970-01-01', ${c}) AS DOUBLE)`,
  secondsSinceEpoch: (c) => `CAST(to_unixtime(${c}) AS DOUBLE)`,
  firedNames: (items) => `filter(ARRAY[${list(caseNames(items, standardString))}], x -> x IS NOT NULL)`,
  statement: (select) => select,
};

/** Spark's LIKE treats backslash as its escape character by default. */
const backslashLikePattern = (pattern: string): string => pattern.replaceAll('\\', '\\\\');

export const spark: Dialect = {
  name: 'spark',
  backslashEscapes: true,
  ident: backtick,
  string: backslashString,
  like: (column, pattern, negated) => `${column} ${not(negated)}LIKE ${backslashString(backslashLikePattern(pattern))}`,
  regex: (column, pattern) => `${column} RLIKE ${backslashString(pattern)}`,
  floatType: 'FLOAT',
  stringType: 'STRING',
  daysSinceEpoch: (c) => `CAST(datediff(${c}, DATE '1970-01-01') AS DOUBLE)`,
  secondsSinceEpoch: (c) => `CAST(unix_micros(${c}) AS DOUBLE) / 1000000.0E0`,
  firedNames: (items) => `filter(array(${list(caseNames(items, backslashString))}), x -> x IS NOT NULL)`,
  statement: (select) => select,
};

/** \u0001 as a Hive string literal (octal escape): tag names cannot hold control characters. */
const HIVE_SEPARATOR = "'\\001'";

export const hive: Dialect = {
  name: 'hive',
  backslashEscapes: true,
  ident: backtick,
  string: backslashString,
  // Hive's LIKE always uses backslash as its escape character.
  like: (column, pattern, negated) => `${negated ? 'NOT ' : ''}${column} LIKE ${backslashString(backslashLikePattern(pattern))}`,
  regex: (column, pattern) => `${column} RLIKE ${backslashString(pattern)}`,
  floatType: 'FLOAT',
  stringType: 'STRING',
  daysSinceEpoch: (c) => `CAST(datediff(${c}, '1970-01-01') AS DOUBLE)`,
  secondsSinceEpoch: () => null,
  // Hive has no array filter: concat_ws skips NULLs, then split the joined names.
  firedNames: (items) => {
    const joined = `concat_ws(${HIVE_SEPARATOR},${list(caseNames(items, backslashString))})`;
    return `IF(${joined} = '', array(), split(${joined}, ${HIVE_SEPARATOR}))`;
  },
  statement: (select) => select,
};

/**
 * Flink (Calcite) keeps backslashes in string literals as they are, but SQL tools built on
 * backslash-escaping grammars misread them: a backslash is spelled CHR(92), which reads the same
 * everywhere.
 */
const flinkString = (value: string): string => {
  if (!value.includes('\\')) return standardString(value);
  const parts = value.split('\\').map((part) => (part === '' ? null : standardString(part)));
  const pieces: string[] = [];
  parts.forEach((part, i) => {
    if (i > 0) pieces.push('CHR(92)');
    if (part !== null) pieces.push(part);
  });
  return `(${pieces.join(' || ')})`;
};

export const flink: Dialect = {
  name: 'flink',
  backslashEscapes: false,
  ident: backtick,
  string: flinkString,
  // An explicit escape character, so that no other character (backslash included) is special.
  like: (column, pattern, negated) => `${column} ${not(negated)}LIKE ${flinkString(pattern.replaceAll('!', '!!'))} ESCAPE '!'`,
  regex: (column, pattern) => `REGEXP(${column}, ${flinkString(pattern)})`,
  floatType: 'FLOAT',
  stringType: 'STRING',
  daysSinceEpoch: (c) => `CAST(TIMESTAMPDIFF(DAY, DATE '1970-01-01', ${c}) AS DOUBLE)`,
  secondsSinceEpoch: () => null,
  firedNames: (items) => `ARRAY_REMOVE(ARRAY[${list(caseNames(items, flinkString))}], CAST(NULL AS STRING))`,
  statement: (select, sink) => `INSERT INTO ${backtick(sink)}\n${select}`,
};

export const DIALECTS: Record<SqlDialect, Dialect> = { duckdb, trino, spark, hive, flink };
