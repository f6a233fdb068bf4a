// Seeded CtrWeights fixtures (random weights over a hand-made encoding) and a test table whose
// rows hit every path of the contract: NULLs, NaN/±Inf, unseen levels, hostile level texts,
// hashed text and integer columns, booleans, dates and timestamps.
import type { CtrEncoding, CtrField, CtrKind, CtrWeights, DenseLayer } from '../../workers/ctr/weights';
import { slotCount } from '../../workers/ctr/weights';
import { createRng } from '../../workers/gbdt/rng';

export const HOSTILE_LEVELS = ['red', "it's", 'back\\slash', 'naïve 東京', 'a"b', '', 'tab\there', 'x'];

/** The fixture's fields; `timestamps: false` leaves out the timestamp field (Hive and Flink refuse it). */
export function fixtureEncoding(options: { timestamps?: boolean; hashBuckets?: number; levels?: number } = {}): CtrEncoding {
  const extraLevels = Array.from({ length: Math.max(0, (options.levels ?? 0) - HOSTILE_LEVELS.length) }, (_, i) => `lvl${i}`);
  const fields: CtrField[] = [
    { kind: 'numeric', name: 'amount', source: 'numeric', transform: 'log1p', mean: 1.25, std: 0.75, missingIndicator: true },
    { kind: 'numeric', name: 'plain', source: 'numeric', transform: 'none', mean: 0, std: 1, missingIndicator: false },
    { kind: 'numeric', name: 'flag', source: 'boolean', transform: 'none', mean: 0.5, std: 0.5, missingIndicator: true },
    { kind: 'numeric', name: 'day', source: 'date', transform: 'none', mean: 19000, std: 400, missingIndicator: false },
    { kind: 'categorical', name: 'color "c"', encoding: 'vocabulary', levels: [...HOSTILE_LEVELS, ...extraLevels], hashBuckets: 0 },
    { kind: 'categorical', name: 'site', encoding: 'hash', levels: [], hashBuckets: options.hashBuckets ?? 13 },
    { kind: 'categorical', name: 'code', encoding: 'hash', levels: [], hashBuckets: 5 },
    { kind: 'categorical', name: 'empty', encoding: 'vocabulary', levels: [], hashBuckets: 0 },
  ];
  if (options.timestamps !== false) fields.push({ kind: 'numeric', name: 'seen', source: 'timestamp', transform: 'log1p', mean: 21, std: 0.5, missingIndicator: true });
  return { version: 1, fields };
}

/** Random float32 weights for an encoding (normal-ish, scale `scale`). */
export function randomWeights(kind: CtrKind, encoding: CtrEncoding, seed: number, k = 4, hidden: number[] = [8, 4]): CtrWeights {
  const random = createRng(seed);
  const normal = (scale: number): number => (random() + random() + random() - 1.5) * scale;
  const fill = (n: number, scale: number): Float32Array => Float32Array.from({ length: n }, () => normal(scale));
  const dims = kind === 'lr' ? 0 : k;
  const mlp: DenseLayer[] = [];
  if (kind === 'deepfm') {
    let inputs = encoding.fields.length * k;
    for (const width of [...hidden, 1]) {
      mlp.push({ weights: fill(inputs * width, 0.5), bias: fill(width, 0.1), inputs, outputs: width, activation: width === 1 ? 'linear' : 'relu' });
      inputs = width;
    }
  }
  return {
    kind,
    encoding,
    bias: Math.fround(normal(0.3)),
    linear: encoding.fields.map((f) => fill(slotCount(f), 0.4)),
    k: dims,
    embeddings: kind === 'lr' ? [] : encoding.fields.map((f) => fill(slotCount(f) * k, 0.4)),
    mlp,
  };
}

export type FixtureRow = Record<string, number | string | boolean | null>;

/** Rows for the fixture encoding (values as DuckDB reads them back into the reference scorer). */
export function fixtureRows(n: number, seed: number, options: { levels?: number } = {}): FixtureRow[] {
  const random = createRng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const levels = [...HOSTILE_LEVELS, ...Array.from({ length: Math.max(0, (options.levels ?? 0) - HOSTILE_LEVELS.length) }, (_, i) => `lvl${i}`)];
  const specialNumbers = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null, 0, -3.5];
  return Array.from({ length: n }, (_, i) => {
    const day = 18000 + Math.floor(random() * 3000);
    const date = new Date(day * 86_400_000).toISOString().slice(0, 10);
    const seconds = 1_500_000_000 + Math.floor(random() * 200_000_000);
    return {
      id: i,
      amount: random() < 0.15 ? pick(specialNumbers) : (random() - 0.3) * 1000,
      plain: random() < 0.1 ? pick(specialNumbers) : random() * 4 - 2,
      flag: random() < 0.1 ? null : random() < 0.5,
      day: random() < 0.1 ? null : date,
      'color "c"': random() < 0.1 ? null : random() < 0.2 ? `unseen${i % 5}` : pick(levels),
      site: random() < 0.1 ? null : `site-${Math.floor(random() * 40)}.example`,
      code: random() < 0.1 ? null : Math.floor(random() * 1000),
      empty: random() < 0.5 ? null : 'anything',
      seen: random() < 0.1 ? null : new Date(seconds * 1000).toISOString().replace('T', ' ').replace('.000Z', ''),
    };
  });
}

const sqlText = (value: string): string => `'${value.replaceAll("'", "''")}'`;

function sqlCell(value: number | string | boolean | null, type: string): string {
  if (value === null) return `CAST(NULL AS ${type})`;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return `CAST('nan' AS DOUBLE)`;
    if (!Number.isFinite(value)) return `CAST('${value > 0 ? 'inf' : '-inf'}' AS DOUBLE)`;
    return `CAST(${value.toExponential()} AS ${type})`;
  }
  return `CAST(${sqlText(value)} AS ${type})`;
}

export const FIXTURE_COLUMNS: Array<{ name: string; type: string }> = [
  { name: 'id', type: 'INTEGER' },
  { name: 'amount', type: 'DOUBLE' },
  { name: 'plain', type: 'DOUBLE' },
  { name: 'flag', type: 'BOOLEAN' },
  { name: 'day', type: 'DATE' },
  { name: 'color "c"', type: 'VARCHAR' },
  { name: 'site', type: 'VARCHAR' },
  { name: 'code', type: 'INTEGER' },
  { name: 'empty', type: 'VARCHAR' },
  { name: 'seen', type: 'TIMESTAMP' },
];

/** CREATE TABLE + INSERT for DuckDB. */
export function fixtureTableSql(table: string, rows: FixtureRow[]): string {
  const q = (name: string): string => `"${name.replaceAll('"', '""')}"`;
  const defs = FIXTURE_COLUMNS.map((c) => `${q(c.name)} ${c.type}`).join(', ');
  const values = rows.map((r) => `(${FIXTURE_COLUMNS.map((c) => sqlCell(r[c.name] ?? null, c.type)).join(', ')})`).join(',\n');
  return `CREATE OR REPLACE TABLE ${q(table)} (${defs}); INSERT INTO ${q(table)} VALUES ${values};`;
}
