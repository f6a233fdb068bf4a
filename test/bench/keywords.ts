/**
 * Keyword rules benchmark, each figure beside a native DuckDB reference measured in the same run
 * (1 thread), as a ratio: median and range of R runs. Prints figures; asserts nothing.
 *
 *  - mine: rules.mineKeywords over the full Online Retail set (541,909 lines, Description ->
 *    Country, 38 classes) in the engine (DuckDB-WASM read + JS mining), against native DuckDB
 *    only counting word x class co-occurrence (regexp_extract_all + unnest + GROUP BY), one of
 *    the steps the job does.
 *  - apply: applyKeywordRules (the labeler's path) on N seeded distinct titles, against native
 *    DuckDB running the same rules as the SQL a pack exports (first rule that fires, CASE WHEN
 *    regexp_matches ...). Both give the same labels (checked).
 *
 *   node bin/run-ts.mjs test/bench/keywords.ts [--titles N] [--runs R]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { createRng } from '../../workers/gbdt/rng';
import { createInProcessEngine } from '../../workers/node/engine-node';
import { quoteLiteral } from '../../workers/data/sql-text';
import { applyKeywordRules, mineKeywordRules, type KeywordRule } from '../../workers/tags/keyword-mining';
import { ruleToDuckdbCondition } from '../../workers/tags/to-sql';

const here = path.dirname(fileURLToPath(import.meta.url));
const RETAIL = path.resolve(here, '../../samples/online_retail_uci/online_retail.csv.gz');

interface Figure {
  medianMs: number;
  minMs: number;
  maxMs: number;
}

function summarize(times: number[]): Figure {
  const s = [...times].sort((a, b) => a - b);
  return { medianMs: s[Math.floor(s.length / 2)] as number, minMs: s[0] as number, maxMs: s[s.length - 1] as number };
}

async function timeRuns(runs: number, fn: () => Promise<unknown> | unknown): Promise<Figure> {
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return summarize(times);
}

const fmt = (f: Figure): string => `${(f.medianMs / 1000).toFixed(2)} s [${(f.minMs / 1000).toFixed(2)}-${(f.maxMs / 1000).toFixed(2)}]`;
const ratio = (a: Figure, b: Figure): string => `${(a.medianMs / b.medianMs).toFixed(2)}x [${(a.minMs / b.maxMs).toFixed(2)}-${(a.maxMs / b.minMs).toFixed(2)}]`;

/** Seeded product titles: a class word or two among shared words, some numbers and sizes. */
function titles(n: number, seed: number): { texts: string[]; labels: string[] } {
  const rng = createRng(seed);
  const classes = Array.from({ length: 21 }, (_, c) => `dept${c}`);
  const own = classes.map((_, c) => Array.from({ length: 40 }, (_, k) => `item${c}x${k}`));
  const shared = Array.from({ length: 400 }, (_, k) => `word${k}`);
  const texts: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rng() * classes.length);
    const parts = [shared[Math.floor(rng() * shared.length)], (own[c] as string[])[Math.floor(rng() * 40)], shared[Math.floor(rng() * shared.length)], `${i % 997} g`];
    if (rng() < 0.15) parts.push((own[Math.floor(rng() * classes.length)] as string[])[Math.floor(rng() * 40)] as string);
    texts.push(parts.join(' ').toUpperCase());
    labels.push(classes[c] as string);
  }
  return { texts, labels };
}

export async function runKeywordsBench(options: { titles?: number; runs?: number; log?: (line: string) => void } = {}): Promise<Record<string, unknown>> {
  const log = options.log ?? ((line: string) => console.log(line));
  const runs = options.runs ?? 3;
  const n = options.titles ?? 1_000_000;
  const native = await DuckDBInstance.create(':memory:', { threads: '1' });
  const db = await native.connect();
  const engine = await createInProcessEngine();
  try {
    // ---- mine: the whole job in the engine vs native DuckDB's co-occurrence count alone
    const opened = await engine.client.run('data.open', { source: { kind: 'path', path: RETAIL } });
    let mined: { rules: number; classes: number } | null = null;
    const mine = await timeRuns(runs, async () => {
      const r = await engine.client.run('rules.mineKeywords', { source: { sql: `SELECT Description, Country FROM "${opened.name}"` }, text: 'Description', target: 'Country' });
      mined = { rules: r.order.length, classes: r.classes.length };
    });
    await db.run(`CREATE TABLE retail AS SELECT Description, Country FROM read_csv(${quoteLiteral(RETAIL)}, header = true)`);
    const count = await timeRuns(runs, () =>
      db.run(`SELECT w, Country, count(*) AS n FROM (SELECT DISTINCT rid, Country, w FROM (SELECT row_number() OVER () AS rid, Country, unnest(regexp_extract_all(lower(Description), '[a-z0-9]+')) AS w FROM retail)) GROUP BY ALL`),
    );
    log(`keywords mine: Online Retail 541,909 lines, Description -> Country: rules.mineKeywords ${fmt(mine)} (${mined ? `${(mined as { rules: number }).rules} rules, ${(mined as { classes: number }).classes} classes` : ''}); native DuckDB word x class count alone ${fmt(count)}; ratio ${ratio(mine, count)}`);

    // ---- apply: the labeler's path vs the pack SQL in native DuckDB
    const { texts, labels } = titles(n, 11);
    const train = titles(100_000, 12);
    const model = await mineKeywordRules(train.texts, train.labels, { column: 'title' });
    const rules: KeywordRule[] = model.rules;
    let fromJs: Int32Array = new Int32Array(0);
    const apply = await timeRuns(runs, () => {
      fromJs = applyKeywordRules(rules, texts);
    });
    await db.run('DROP TABLE IF EXISTS titles_t');
    await db.run('CREATE TABLE titles_t (i INTEGER, title VARCHAR)');
    const batch = 50_000;
    for (let s = 0; s < n; s += batch) {
      const values = texts.slice(s, s + batch).map((t, k) => `(${s + k}, ${quoteLiteral(t)})`).join(',');
      await db.run(`INSERT INTO titles_t VALUES ${values}`);
    }
    const caseSql = `CASE ${rules.map((r, k) => `WHEN ${ruleToDuckdbCondition(r.ast)} THEN ${k}`).join(' ')} ELSE -1 END`;
    let fromSql: number[] = [];
    const sql = await timeRuns(runs, async () => {
      const reader = await db.runAndReadAll(`SELECT ${caseSql} AS k FROM titles_t ORDER BY i`);
      fromSql = reader.getRowObjectsJS().map((row) => Number((row as { k: number }).k));
    });
    let same = fromSql.length === n;
    for (let i = 0; same && i < n; i++) same = fromSql[i] === fromJs[i];
    let right = 0;
    let labelled = 0;
    for (let i = 0; i < n; i++) {
      const k = fromJs[i] as number;
      if (k < 0) continue;
      labelled++;
      if ((rules[k] as KeywordRule).label === labels[i]) right++;
    }
    log(`keywords apply: ${n.toLocaleString('en-US')} titles, ${rules.length} rules: applyKeywordRules ${fmt(apply)}; native DuckDB pack SQL (1 thread) ${fmt(sql)}; ratio ${ratio(apply, sql)}; same labels: ${same}; coverage ${(labelled / n).toFixed(3)}, precision ${(right / Math.max(1, labelled)).toFixed(3)}`);
    return { mine, count, apply, sql, same, rules: rules.length, titles: n };
  } finally {
    db.closeSync();
    native.closeSync();
    await engine.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (flag: string): number | undefined => {
    const i = process.argv.indexOf(flag);
    return i >= 0 ? Number(process.argv[i + 1]) : undefined;
  };
  await runKeywordsBench({ titles: arg('--titles'), runs: arg('--runs') });
}
