import type { Dialect } from './dialect';

/**
 * Indents every line break of `sql` that lies between tokens: a newline inside a string literal,
 * a quoted identifier or a block comment is part of that token and stays exactly as it is (an
 * indented newline inside `'a\nb'` would change the value a rule compares with). The quoting
 * rules are the dialect's: Spark and Hive read backslash escapes inside quotes (and `"` as a
 * string), the others end a quoted token only at its closing quote (a doubled quote reopens it).
 */
export function indentSql(sql: string, dialect: Pick<Dialect, 'backslashEscapes'>, pad = '  '): string {
  let out = '';
  let start = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const ch = sql[i];
    if (ch === "'" || ch === '"' || ch === '`') {
      // A quoted token: skip to its closing quote (backslash escapes only where the dialect has them).
      const escapes = dialect.backslashEscapes && ch !== '`';
      i++;
      while (i < n && sql[i] !== ch) i += escapes && sql[i] === '\\' ? 2 : 1;
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      // A line comment ends at the newline, which is itself a line break between tokens.
      while (i < n && sql[i] !== '\n') i++;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (ch === '\n') {
      out += `${sql.slice(start, i + 1)}${pad}`;
      start = ++i;
    } else {
      i++;
    }
  }
  return out + sql.slice(start);
}
