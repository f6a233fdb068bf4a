// Validates SQL texts with one dt-sql-parser grammar, in a child process run by tsx: loaded this
// way the parser starts in ~1 s, against minutes when vitest transforms its ESM build.
// stdin: {"dialect": "spark"|"hive"|"flink"|"trino", "sql": ["..."]}; stdout: errors per text.
import { FlinkSQL, HiveSQL, SparkSQL, TrinoSQL } from 'dt-sql-parser';

interface Request {
  dialect: 'spark' | 'hive' | 'flink' | 'trino';
  sql: string[];
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => (input += chunk));
process.stdin.on('end', () => {
  const request = JSON.parse(input) as Request;
  const parser = { spark: SparkSQL, hive: HiveSQL, flink: FlinkSQL, trino: TrinoSQL }[request.dialect];
  const instance = new parser();
  const result = request.sql.map((sql) => instance.validate(sql).map((e) => `${e.startLine}:${e.startColumn} ${e.message}`));
  process.stdout.write(JSON.stringify(result));
});
