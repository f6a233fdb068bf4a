/**
 * Synthetic CTR data, Criteo-like and deterministic for a seed.
 *
 *   npm run gen -- ctr [--rows N] [--seed S] [--out DIR] [--numeric 13] [--categorical 26]
 *                      [--max-levels 100000] [--missing 0.1]
 *
 * Columns: `label` (0/1), numeric I1..In (heavy-tailed counts, optional NULLs), categorical C1..Cm
 * (8-hex-digit level names drawn from a Zipf law per field, field cardinalities from 10 up to
 * --max-levels, optional NULLs). The label is Bernoulli(sigmoid(margin)) with an FM-structured
 * margin: bias + first-order level weights + Σ_{f<g} <v_f, v_g> (true embedding size 4) + small
 * numeric effects. Interactions dominate, so a first-order model (LR) or trees over one-hot top
 * levels fall far short of the Bayes AUC, which the generator reports exactly: the AUC of the true
 * probabilities against soft labels (each row counts p positive and 1-p negative), i.e. the best
 * any model can expect on data drawn like this.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

export interface CtrGenOptions {
  rows: number;
  seed: number;
  numeric: number;
  categorical: number;
  /** The most levels a categorical field has (the first fields have fewer, Criteo-like). */
  maxLevels: number;
  /** Share of NULLs in each field (numeric and categorical). */
  missing: number;
  /** Zipf exponent of the level frequencies. */
  zipf: number;
  /** Scale of the true pairwise interactions (0 = none: a first-order world). */
  interaction: number;
}

export const CTR_DEFAULTS: CtrGenOptions = { rows: 100_000, seed: 42, numeric: 13, categorical: 26, maxLevels: 100_000, missing: 0.05, zipf: 1.1, interaction: 1 };

export interface CtrData {
  options: CtrGenOptions;
  labels: Uint8Array;
  /** Numeric fields: values (NaN = NULL). */
  numeric: Float64Array[];
  /** Categorical fields: level index per row (-1 = NULL) and the level names. */
  categorical: Array<{ index: Int32Array; levels: string[] }>;
  /** True probability per row. */
  probabilities: Float64Array;
  /** Exact Bayes AUC of the sample's true probabilities (soft labels). */
  bayesAuc: number;
  /** AUC of the true probabilities against the drawn labels. */
  oracleAuc: number;
}

/** xoshiro128** seeded by splitmix32: fast, and the same stream on every platform. */
class Rng {
  private s = new Uint32Array(4);
  constructor(seed: number) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }
  next(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result / 4294967296;
  }
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

const TRUE_K = 4;

/** Cardinality of categorical field c of m: log-spaced from 10 to maxLevels. */
function levelsOf(c: number, m: number, maxLevels: number): number {
  if (m === 1) return Math.max(2, maxLevels);
  const lo = Math.log(10);
  const hi = Math.log(Math.max(10, maxLevels));
  return Math.max(2, Math.round(Math.exp(lo + ((hi - lo) * c) / (m - 1))));
}

/** The AUC of scores against soft labels p (each row is p positive, 1-p negative); ties count half. */
export function softAuc(scores: Float64Array, p: Float64Array): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let negBelow = 0;
  let pos = 0;
  let neg = 0;
  let sum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    let tiePos = 0;
    let tieNeg = 0;
    while (j < n && scores[order[j]!] === scores[order[i]!]) {
      tiePos += p[order[j]!]!;
      tieNeg += 1 - p[order[j]!]!;
      j++;
    }
    sum += tiePos * negBelow + 0.5 * tiePos * tieNeg;
    negBelow += tieNeg;
    pos += tiePos;
    neg += tieNeg;
    i = j;
  }
  return sum / (pos * neg);
}

function hardAuc(scores: Float64Array, labels: Uint8Array): number {
  return softAuc(scores, Float64Array.from(labels));
}

export function generateCtr(given: Partial<CtrGenOptions> = {}): CtrData {
  const options: CtrGenOptions = { ...CTR_DEFAULTS, ...given };
  const { rows: n, numeric: nI, categorical: nC } = options;
  const rng = new Rng(options.seed);

  // The true model's parameters.
  const fields = Array.from({ length: nC }, (_, c) => {
    const L = levelsOf(c, nC, options.maxLevels);
    // Zipf CDF over levels 1..L.
    const cdf = new Float64Array(L);
    let acc = 0;
    for (let l = 0; l < L; l++) {
      acc += 1 / (l + 1) ** options.zipf;
      cdf[l] = acc;
    }
    for (let l = 0; l < L; l++) cdf[l] = cdf[l]! / acc;
    const first = Float64Array.from({ length: L }, () => 0.3 * rng.normal());
    const embed = Float64Array.from({ length: L * TRUE_K }, () => rng.normal() * Math.sqrt(options.interaction / Math.max(1, nC - 1)) * 0.9);
    const salt = (Math.imul(c + 1, 0x9e3779b1) ^ 0x5bd1e995) >>> 0;
    // An odd multiplier and an xor are bijections of 32-bit numbers: level names are unique per field.
    const levels = Array.from({ length: L }, (_, l) => ((Math.imul(l + 1, 0x2545f491) ^ salt) >>> 0).toString(16).padStart(8, '0'));
    return { L, cdf, first, embed, levels };
  });
  const numericBeta = Float64Array.from({ length: nI }, () => 0.25 * rng.normal());
  const numericShape = Array.from({ length: nI }, () => ({ mu: 0.5 + 2 * rng.next(), sigma: 0.6 + rng.next() }));

  const labels = new Uint8Array(n);
  const probabilities = new Float64Array(n);
  const numeric = Array.from({ length: nI }, () => new Float64Array(n));
  const categorical = fields.map((f) => ({ index: new Int32Array(n), levels: f.levels }));
  const sumV = new Float64Array(TRUE_K);
  const bias = -1.3;
  for (let r = 0; r < n; r++) {
    let margin = bias;
    for (let i = 0; i < nI; i++) {
      const { mu, sigma } = numericShape[i]!;
      const z = rng.normal();
      const value = Math.floor(Math.exp(mu + sigma * z));
      if (rng.next() < options.missing) numeric[i]![r] = Number.NaN;
      else {
        numeric[i]![r] = value;
        margin += numericBeta[i]! * z;
      }
    }
    sumV.fill(0);
    let squares = 0;
    for (let c = 0; c < nC; c++) {
      const f = fields[c]!;
      const u = rng.next();
      // Binary search of the Zipf CDF.
      let lo = 0;
      let hi = f.L - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (f.cdf[mid]! < u) lo = mid + 1;
        else hi = mid;
      }
      if (rng.next() < options.missing) {
        categorical[c]!.index[r] = -1;
        continue;
      }
      categorical[c]!.index[r] = lo;
      margin += f.first[lo]!;
      for (let k = 0; k < TRUE_K; k++) {
        const e = f.embed[lo * TRUE_K + k]!;
        sumV[k] = sumV[k]! + e;
        squares += e * e;
      }
    }
    let pairs = 0;
    for (let k = 0; k < TRUE_K; k++) pairs += sumV[k]! * sumV[k]!;
    margin += 0.5 * (pairs - squares);
    const p = 1 / (1 + Math.exp(-margin));
    probabilities[r] = p;
    labels[r] = rng.next() < p ? 1 : 0;
  }
  return { options, labels, numeric, categorical, probabilities, bayesAuc: softAuc(probabilities, probabilities), oracleAuc: hardAuc(probabilities, labels) };
}

/** The header and rows as CSV text lines (NULL = empty field). */
export function ctrCsvLines(data: CtrData, each: (line: string) => void): void {
  const nI = data.numeric.length;
  const nC = data.categorical.length;
  each(['label', ...Array.from({ length: nI }, (_, i) => `I${i + 1}`), ...Array.from({ length: nC }, (_, c) => `C${c + 1}`)].join(','));
  const parts: string[] = new Array<string>(1 + nI + nC);
  for (let r = 0; r < data.labels.length; r++) {
    parts[0] = String(data.labels[r]);
    for (let i = 0; i < nI; i++) {
      const v = data.numeric[i]![r]!;
      parts[1 + i] = Number.isNaN(v) ? '' : String(v);
    }
    for (let c = 0; c < nC; c++) {
      const field = data.categorical[c]!;
      const l = field.index[r]!;
      parts[1 + nI + c] = l < 0 ? '' : field.levels[l]!;
    }
    each(parts.join(','));
  }
}

/** Writes ctr.csv (and ctr.parquet with the explicit schema) plus ctr-info.json into `outDir`. */
export async function writeCtr(data: CtrData, outDir: string, parquet = true): Promise<{ csv: string; parquet: string | null }> {
  fs.mkdirSync(outDir, { recursive: true });
  const csv = path.join(outDir, 'ctr.csv');
  const fd = fs.openSync(csv, 'w');
  let buffer: string[] = [];
  const flush = (): void => {
    fs.writeSync(fd, buffer.join('\n') + '\n');
    buffer = [];
  };
  ctrCsvLines(data, (line) => {
    buffer.push(line);
    if (buffer.length >= 10_000) flush();
  });
  if (buffer.length > 0) flush();
  fs.closeSync(fd);
  let parquetPath: string | null = null;
  if (parquet) {
    parquetPath = path.join(outDir, 'ctr.parquet');
    const columns = [
      `'label': 'INTEGER'`,
      ...data.numeric.map((_, i) => `'I${i + 1}': 'BIGINT'`),
      ...data.categorical.map((_, c) => `'C${c + 1}': 'VARCHAR'`),
    ].join(', ');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const q = (p: string): string => path.resolve(p).replaceAll("'", "''");
      await connection.run(`COPY (SELECT * FROM read_csv('${q(csv)}', header = true, auto_detect = false, columns = {${columns}})) TO '${q(parquetPath)}' (FORMAT parquet, COMPRESSION zstd)`);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }
  const positives = data.labels.reduce((s, v) => s + v, 0);
  const info = { options: data.options, rows: data.labels.length, positiveRate: positives / data.labels.length, bayesAuc: data.bayesAuc, oracleAuc: data.oracleAuc, cardinalities: data.categorical.map((c) => c.levels.length) };
  fs.writeFileSync(path.join(outDir, 'ctr-info.json'), JSON.stringify(info, null, 2) + '\n');
  return { csv, parquet: parquetPath };
}

export function parseCtrArgs(argv: readonly string[]): { options: CtrGenOptions; outDir: string } {
  const options: CtrGenOptions = { ...CTR_DEFAULTS };
  let outDir = '.generated';
  const numbers: Record<string, keyof CtrGenOptions> = { '--rows': 'rows', '--seed': 'seed', '--numeric': 'numeric', '--categorical': 'categorical', '--max-levels': 'maxLevels', '--missing': 'missing', '--zipf': 'zipf', '--interaction': 'interaction' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const value = argv[i + 1];
    if (flag === '--out' && value !== undefined) {
      outDir = value;
      i++;
    } else if (numbers[flag] && value !== undefined) {
      const v = Number(value);
      if (!Number.isFinite(v)) throw new Error(`${flag} needs a number (got ${value})`);
      options[numbers[flag]] = v;
      i++;
    } else throw new Error(`usage: npm run gen -- ctr [--rows N] [--seed S] [--out DIR] [--numeric 13] [--categorical 26] [--max-levels 100000] [--missing 0.05] [--zipf 1.1] [--interaction 1]\nunknown or incomplete argument ${flag}`);
  }
  if (!Number.isInteger(options.rows) || options.rows < 1) throw new Error('--rows must be a positive integer');
  if (!(options.missing >= 0 && options.missing < 1)) throw new Error('--missing must be in [0, 1)');
  return { options, outDir };
}

/** `npm run gen -- ctr ...` (scripts/gen.ts hands its arguments here). */
export async function ctrMain(argv: readonly string[]): Promise<void> {
  const { options, outDir } = parseCtrArgs(argv);
  const started = performance.now();
  console.log(`Generating ${options.rows.toLocaleString('en')} CTR rows (seed ${options.seed}, ${options.numeric} numeric + ${options.categorical} categorical fields) into ${outDir}/ ...`);
  const data = generateCtr(options);
  const written = await writeCtr(data, outDir);
  console.log(`  ${written.csv}\n  ${written.parquet ?? ''}\n  Bayes AUC ${data.bayesAuc.toFixed(4)} (true probabilities on the drawn labels: ${data.oracleAuc.toFixed(4)})`);
  console.log(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
}
