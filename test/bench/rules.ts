/**
 * Rules benchmark: evaluate 1,000 seeded random rules over 1M seeded rows with the JS vectorised
 * evaluator (one RuleEvaluator over the Arrow table: columns extracted once, then counted per rule) and as DuckDB SQL (ruleToDuckdbSql, SUM(CASE ...) columns in
 * one query, or batches if one query is refused), checking both give the same counts; then mine
 * rules on the same 1M rows within a 60 s budget. Prints figures; asserts nothing.
 *
 *   node bin/run-ts.mjs test/bench/rules.ts [--rows N] [--rules N] [--budget MS] [--no-mine]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuleExpr, RuleLiteral } from '../../workers/tags/ast';
import { createRng } from '../../workers/gbdt/rng';
import { RuleEvaluator } from '../../workers/tags/evaluate';
import { mineRulesJob } from '../../workers/tags/mining-jobs';
import type { TagMetrics } from '../../workers/tags/validation';
import { printRule } from '../../workers/tags/printer';
import { ruleToDuckdbSql } from '../../workers/tags/to-sql';

export interface RulesBenchOptions {
  rows?: number;
  rules?: number;
  /** Time budget of the whole mining job (reading, search, measuring), ms; default 60,000. */
  mineBudgetMs?: number;
  /** Skip the mining part (default false). */
  skipMining?: boolean;
  log?: (line: string) => void;
}

/**
 * Seeded synthetic rows: numbers (one with 5% NULLs), an integer, two text columns (one with
 * NULLs), a boolean, and a label that follows two hidden rules with 10% of labels flipped.
 */
function tableSql(rows: number): string {
  const u = (k: number): string => `((hash(i, ${k}) % 1000000) / 1000000.0)`;
  return `CREATE OR REPLACE TABLE bench_rules AS
    SELECT i AS id, x1, x2, x3, x4, x5, x6, n1, c1, c2, b,
      (CASE WHEN ((x1 > 0.7 AND c1 IN ('c1', 'c2')) OR (x2 < 0.1 AND b) OR (n1 >= 95 AND x4 > 0.5)) THEN noise >= 0.1 ELSE noise < 0.05 END) AS y
    FROM (
      SELECT i, ${u(1)} AS x1, ${u(2)} AS x2,
        CASE WHEN hash(i, 3) % 20 = 0 THEN NULL ELSE ${u(4)} * 100 END AS x3,
        ${u(5)} AS x4, ${u(6)} - 0.5 AS x5, ${u(7)} * ${u(8)} AS x6,
        CAST(hash(i, 9) % 100 AS INTEGER) AS n1,
        'c' || CAST(hash(i, 10) % 10 AS VARCHAR) AS c1,
        CASE WHEN hash(i, 11) % 25 = 0 THEN NULL ELSE 'k' || CAST(hash(i, 12) % 50 AS VARCHAR) END AS c2,
        hash(i, 13) % 3 = 0 AS b,
        ${u(14)} AS noise
      FROM range(${rows}) t(i)
    )`;
}

/** Seeded random rules over the bench columns: comparisons, IN, BETWEEN, IS NULL, LIKE, booleans, AND/OR/NOT. */
export function randomRules(count: number, seed: number): RuleExpr[] {
  const rng = createRng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;
  const col = (name: string): { kind: 'column'; name: string } => ({ kind: 'column', name });
  const num = (v: number): RuleLiteral => ({ kind: 'number', value: Math.round(v * 100) / 100 });
  const str = (v: string): RuleLiteral => ({ kind: 'string', value: v });
  const condition = (): RuleExpr => {
    const r = rng();
    if (r < 0.4) return { type: 'compare', op: pick(['<', '<=', '>', '>=', '=', '!='] as const), left: col(pick(['x1', 'x2', 'x4', 'x6'])), right: num(rng()) };
    if (r < 0.5) return { type: 'compare', op: pick(['<', '>=', '='] as const), left: col('n1'), right: num(Math.floor(rng() * 100)) };
    if (r < 0.6) return { type: 'between', column: col(pick(['x3', 'x5'])), low: num(rng() * 20 - 0.5), high: num(rng() * 60), negated: rng() < 0.3 };
    if (r < 0.75) return { type: 'in', column: col(pick(['c1', 'c2'])), values: Array.from({ length: 1 + Math.floor(rng() * 3) }, () => str(rng() < 0.5 ? `c${Math.floor(rng() * 10)}` : `k${Math.floor(rng() * 50)}`)), negated: rng() < 0.3 };
    if (r < 0.82) return { type: 'isNull', column: col(pick(['x3', 'c2'])), negated: rng() < 0.5 };
    if (r < 0.9) return { type: 'like', column: col('c2'), pattern: `k${Math.floor(rng() * 5)}%`, negated: rng() < 0.3 };
    return rng() < 0.5 ? { type: 'column', column: col('b') } : { type: 'not', arg: { type: 'column', column: col('b') } };
  };
  const rules: RuleExpr[] = [];
  for (let k = 0; k < count; k++) {
    const parts = Array.from({ length: 1 + Math.floor(rng() * 3) }, condition);
    let e: RuleExpr = parts.length === 1 ? (parts[0] as RuleExpr) : { type: rng() < 0.7 ? 'and' : 'or', args: parts };
    if (rng() < 0.1) e = { type: 'not', arg: e };
    rules.push(e);
  }
  return rules;
}

const noProgress = { signal: new AbortController().signal, progress: () => undefined };

/** CPU time of this process (all threads; DuckDB-WASM runs in this thread), ms: wall time misleads on a shared machine. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export async function runRulesBench(options: RulesBenchOptions = {}): Promise<Record<string, unknown>> {
  const rows = options.rows ?? 1_000_000;
  const ruleCount = options.rules ?? 1000;
  const budget = options.mineBudgetMs ?? 60_000;
  const log = options.log ?? ((line: string) => console.log(line));
  const { DataEngine } = await import('../../workers/data/engine');
  const { NodeDuckDriver } = await import('../../workers/node/driver-node');
  const { loadParquetNode } = await import('../../workers/node/engine-node');
  const driver = await NodeDuckDriver.create();
  const engine = new DataEngine(driver, loadParquetNode);
  try {
    let t = Date.now();
    await driver.query(tableSql(rows));
    log(`rules bench: ${rows.toLocaleString('en-US')} seeded rows generated in DuckDB in ${Date.now() - t} ms`);

    const rules = randomRules(ruleCount, 2024);
    t = Date.now();
    const table = await driver.query('SELECT x1, x2, x3, x4, x5, x6, n1, c1, c2, b FROM bench_rules');
    const readMs = Date.now() - t;
    let cpu = cpuMs();
    const evaluator = new RuleEvaluator(table);
    evaluator.prepare();
    const extractCpuMs = cpuMs() - cpu;
    t = Date.now();
    cpu = cpuMs();
    const jsCounts = rules.map((r) => evaluator.count(r));
    const jsMs = Date.now() - t;
    const jsCpuMs = cpuMs() - cpu;
    if (ruleCount > 0) log(`  JS RuleEvaluator: ${ruleCount} rules in ${jsMs} ms wall, ${jsCpuMs.toFixed(0)} ms CPU (${(jsCpuMs / ruleCount).toFixed(2)} CPU ms/rule, ${((rows * ruleCount) / (jsCpuMs / 1000) / 1e6).toFixed(1)} M row-rules per CPU second), after extracting the columns once in ${extractCpuMs.toFixed(0)} ms CPU; reading the Arrow table took ${readMs} ms`);

    const sums = rules.map((r, k) => `SUM(CASE WHEN ${ruleToDuckdbSql(r)} THEN 1 ELSE 0 END) AS r${k}`);
    const sqlCounts: number[] = [];
    let batch = sums.length;
    t = Date.now();
    cpu = cpuMs();
    while (sums.length > 0) {
      try {
        sqlCounts.length = 0;
        for (let from = 0; from < sums.length; from += batch) {
          const result = await driver.query(`SELECT ${sums.slice(from, from + batch).join(', ')} FROM bench_rules`);
          const row = (result.toArray()[0] as { toJSON(): Record<string, unknown> }).toJSON();
          for (let k = from; k < Math.min(sums.length, from + batch); k++) sqlCounts.push(Number(row[`r${k}`] ?? 0));
        }
        break;
      } catch (err) {
        if (batch <= 50) throw err;
        log(`  (one query with ${batch} sums failed: ${(err as Error).message.slice(0, 120)}; retrying in batches)`);
        batch = Math.ceil(batch / 4);
        t = Date.now();
        cpu = cpuMs();
      }
    }
    const sqlMs = Date.now() - t;
    const sqlCpuMs = cpuMs() - cpu;
    const mismatches = jsCounts.filter((c, k) => c !== sqlCounts[k]).length;
    if (ruleCount > 0) log(`  DuckDB SQL: ${ruleCount} rules in ${sqlMs} ms wall, ${sqlCpuMs.toFixed(0)} ms CPU (${batch === sums.length ? 'one query' : `batches of ${batch}`}; ${(sqlCpuMs / ruleCount).toFixed(2)} CPU ms/rule, ${(sqlCpuMs / Math.max(1e-9, jsCpuMs)).toFixed(1)}x the JS CPU time); count mismatches JS vs SQL: ${mismatches}`);

    const figures = {
      rows,
      rules: ruleCount,
      jsExtractCpuMs: extractCpuMs,
      jsEvaluateMs: jsMs,
      jsEvaluateCpuMs: jsCpuMs,
      jsCpuMsPerRule: ruleCount > 0 ? jsCpuMs / ruleCount : null,
      sqlEvaluateCpuMs: sqlCpuMs,
      sqlCpuMsPerRule: ruleCount > 0 ? sqlCpuMs / ruleCount : null,
      arrowReadMs: readMs,
      sqlEvaluateMs: sqlMs,
      sqlBatch: batch,
      mismatches,
    };
    if (options.skipMining) return figures;
    t = Date.now();
    cpu = cpuMs();
    const mined = await mineRulesJob(engine, { source: { table: 'bench_rules' }, target: 'y', positive: 'true', exclude: ['id'], timeBudgetMs: budget, seed: 1, minPrecision: 0.6 }, noProgress);
    const mineMs = Date.now() - t;
    const mineCpuMs = cpuMs() - cpu;
    const set: TagMetrics = mined.set.holdout;
    log(`  mining: ${mined.rules.length} rules in ${mineMs} ms wall, ${mineCpuMs.toFixed(0)} ms CPU (job budget ${budget} ms${mined.stoppedEarly ? ', search stopped at its share of it' : ''}; ${mined.candidatesTried} candidates); holdout precision ${set.precision.value?.toFixed(3)}, recall ${set.recall.value?.toFixed(3)}, F1 ${set.f1.value?.toFixed(3)}`);
    for (const r of mined.rules) log(`    ${printRule(r.ast)}  (holdout precision ${r.holdout.precision.value?.toFixed(3)}, support ${r.holdout.support})`);
    return {
      ...figures,
      mineCpuMs,
      mineMs,
      mineBudgetMs: budget,
      mineStoppedEarly: mined.stoppedEarly,
      minedRules: mined.rules.map((r) => r.text),
      minedSet: { precision: set.precision.value, recall: set.recall.value, f1: set.f1.value },
    };
  } finally {
    await driver.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const opt = (name: string): number | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  await runRulesBench({ rows: opt('--rows'), rules: opt('--rules'), mineBudgetMs: opt('--budget'), skipMining: args.includes('--no-mine') });
}
