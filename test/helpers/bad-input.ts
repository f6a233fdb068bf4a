/**
 * A corpus of bad input files, generated into a temp folder (nothing large is committed): each
 * case names the class of problem, the file, and what Assay must do with it.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { parquetFacts } from '../../workers/data/parquet-check';
import { openNodeDriver } from '../../workers/node/driver-choice';
import { loadParquetNode } from '../../workers/node/engine-node';

export interface BadInputCase {
  /** File name inside the corpus folder (its extension matters: it is what users give us). */
  file: string;
  /** What is wrong with it. */
  problem: string;
  /**
   * `loads`: it must load (maybe with a warning matching `warning`);
   * `refused`: it must fail with an EngineError whose message matches `message` and names the file.
   */
  expect: { loads: true; warning?: RegExp; rows?: number } | { loads: false; code: string; message: RegExp };
}

const rows = (n: number, line: (i: number) => string): string => Array.from({ length: n }, (_, i) => line(i)).join('\n');
const plainCsv = `id,name,amount\n${rows(3000, (i) => `${i},name_${i},${(i * 1.25).toFixed(2)}`)}\n`;

/** Little deterministic PRNG so that the corpus is the same on every run. */
function bytesFrom(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A Parquet file (uncompressed, plain-encoded numbers, several row groups) from parquet-wasm. */
async function parquetBytes(): Promise<Uint8Array> {
  const parquet = await loadParquetNode();
  const n = 6000;
  const arrow = tableFromArrays({
    id: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
    amount: Float64Array.from({ length: n }, (_, i) => 10 + (i % 500) * 0.5),
    qty: Int32Array.from({ length: n }, (_, i) => i % 7),
  });
  const props = new parquet.WriterPropertiesBuilder()
    .setCompression(parquet.Compression.UNCOMPRESSED)
    .setDictionaryEnabled(false)
    .setMaxRowGroupSize(2000)
    .build();
  return parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(arrow, 'stream')), props);
}

/** A Parquet file written by DuckDB's COPY: 400 rows, NaN in every tenth amount, ±infinity in a FLOAT column. */
export async function nanParquetBytes(): Promise<Uint8Array> {
  const writer = await openNodeDriver('native');
  try {
    const select = `SELECT i AS id, CASE WHEN i % 10 = 0 THEN 'nan'::DOUBLE ELSE i * 0.25 END AS amount,
      CAST(CASE WHEN i % 50 = 1 THEN 'inf' WHEN i % 50 = 2 THEN '-inf' ELSE CAST(i % 7 AS VARCHAR) END AS FLOAT) AS score
      FROM range(400) t(i) ORDER BY i`;
    const { bytes } = await writer.copyTo(select, 'FORMAT parquet');
    if (!bytes) throw new Error('COPY returned no bytes');
    return bytes;
  } finally {
    await writer.close();
  }
}

/** The byte range of one column chunk of one row group, from the file's own footer. */
function chunkRange(bytes: Uint8Array, rowGroup: number, column: string): { start: number; length: number } {
  const length = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 4).getUint32(0, true);
  const facts = parquetFacts(bytes.subarray(bytes.length - 8 - length, bytes.length - 8));
  const chunk = facts.rowGroups[rowGroup]?.chunks.find((c) => c.column === column);
  if (!chunk) throw new Error(`no chunk ${column} in row group ${rowGroup}`);
  return { start: chunk.start, length: chunk.length };
}

export async function writeBadInputCorpus(dir: string): Promise<BadInputCase[]> {
  const cases: Array<BadInputCase & { bytes: Uint8Array | string }> = [];
  const add = (file: string, problem: string, bytes: Uint8Array | string, expect: BadInputCase['expect']): void => {
    cases.push({ file, problem, bytes, expect });
  };

  // --- compressed streams
  const gz = zlib.gzipSync(plainCsv);
  add('whole.csv.gz', 'a good gzip file (control)', gz, { loads: true, rows: 3000 });
  add('truncated.csv.gz', 'gzip cut in the middle', gz.subarray(0, Math.floor(gz.length * 0.6)), { loads: false, code: 'CORRUPT_FILE', message: /damaged or truncated gzip/ });
  add('no-trailer.csv.gz', 'gzip without its CRC/size trailer', gz.subarray(0, gz.length - 8), { loads: false, code: 'CORRUPT_FILE', message: /damaged or truncated gzip/ });
  const badCrc = Buffer.from(gz);
  badCrc[badCrc.length - 7] = (badCrc[badCrc.length - 7] ?? 0) ^ 0x5a;
  add('bad-crc.csv.gz', 'gzip whose CRC does not match', badCrc, { loads: false, code: 'CORRUPT_FILE', message: /damaged or truncated gzip/ });
  const flipped = Buffer.from(gz);
  flipped[Math.floor(flipped.length / 2)] = (flipped[Math.floor(flipped.length / 2)] ?? 0) ^ 0xff;
  add('flipped.csv.gz', 'gzip with a damaged byte inside', flipped, { loads: false, code: 'CORRUPT_FILE', message: /damaged or truncated gzip/ });
  // Several gzip members one after another (bgzip, pigz -i, appended output): valid, every member is read.
  const [head, ...lines] = plainCsv.trimEnd().split('\n');
  const members = Buffer.concat([zlib.gzipSync(`${head}\n${lines.slice(0, 1000).join('\n')}\n`), zlib.gzipSync(`${lines.slice(1000).join('\n')}\n`)]);
  add('multi-member.csv.gz', 'gzip of two members', members, { loads: true, rows: 3000 });
  add('header-only.csv.gz', 'gzip of a header line only', zlib.gzipSync('a,b\n'), { loads: true, rows: 0 });
  add('not-really.csv.gz', 'named .gz but plain text', 'a,b\n1,2\n', { loads: true, rows: 1 });

  // --- Parquet
  const pq = await parquetBytes();
  add('whole.parquet', 'a good Parquet file (control)', pq, { loads: true, rows: 6000 });
  const corruptPage = Buffer.from(pq);
  const amount = chunkRange(pq, 1, 'amount');
  // The high byte of a plain-encoded double near the end of the page: decodes, but to a huge value.
  corruptPage[amount.start + amount.length - 1] = 0xc3;
  add('corrupt-page.parquet', 'a damaged data page that still decodes', corruptPage, { loads: false, code: 'CORRUPT_FILE', message: /is damaged: row group 2: column "amount" holds values .* outside the range/ });
  const corruptId = Buffer.from(pq);
  const id = chunkRange(pq, 2, 'id');
  corruptId[id.start + id.length - 2] = 0x80;
  add('corrupt-int.parquet', 'a damaged int64 page', corruptId, { loads: false, code: 'CORRUPT_FILE', message: /is damaged: row group 3: column "id"/ });
  const badHeader = Buffer.from(pq);
  const qty = chunkRange(pq, 0, 'qty');
  badHeader.fill(0xff, qty.start, qty.start + 6);
  add('bad-page-header.parquet', 'a page header overwritten', badHeader, { loads: false, code: 'CORRUPT_FILE', message: /is damaged/ });
  add('truncated.parquet', 'Parquet cut in the middle', pq.subarray(0, Math.floor(pq.length / 2)), { loads: false, code: 'CORRUPT_FILE', message: /not a valid Parquet file|is damaged/ });
  const noisy = new Uint8Array(4096);
  noisy.set([0x50, 0x41, 0x52, 0x31]);
  noisy.set(bytesFrom(7, 4088), 4);
  noisy.set([0x50, 0x41, 0x52, 0x31], 4092);
  add('garbage.parquet', 'PAR1 markers around noise', noisy, { loads: false, code: 'CORRUPT_FILE', message: /not a valid Parquet file|is damaged/ });
  add('parquet-named.csv', 'a Parquet file named .csv', pq, { loads: true, rows: 6000 });

  // --- CSV shapes
  add('empty.csv', 'zero bytes', '', { loads: false, code: 'EMPTY_FILE', message: /is empty/ });
  add('header-only.csv', 'a header and no rows', 'a,b,c\n', { loads: true, rows: 0 });
  add('only-newlines.csv', 'blank lines only', '\n\n\n\n', { loads: true });
  add('ragged.csv', 'rows with too many and too few fields', `a,b,c\n1,2,3\n4,5\n6,7,8,9\n${rows(50, (i) => `${i},${i},${i}`)}\n`, { loads: true, warning: /malformed rows/ });
  add('semicolons.csv', 'named .csv, separated by semicolons', `a;b;c\n${rows(20, (i) => `${i};x${i};${i / 2}`)}\n`, { loads: true, rows: 20 });
  add('latin1.csv', 'Latin-1 bytes, not UTF-8', Buffer.from('name,city\nJosé,Málaga\nRenée,Zürich\n', 'latin1'), { loads: true, warning: /not valid UTF-8/ });
  add('bom.csv', 'a UTF-8 byte-order mark', `\uFEFFid,name\n1,a\n2,b\n`, { loads: true, rows: 2 });
  add('mixed-endings.csv', 'CRLF, LF and CR line ends mixed', 'id,v\r\n1,a\n2,b\r\n3,c\n', { loads: true });
  add('nul-bytes.csv', 'NUL bytes inside fields', Buffer.from('id,v\n1,a\u0000b\n2,\u0000\n3,c\n'), { loads: true });
  add('binary.csv', 'random bytes named .csv', bytesFrom(42, 3000), { loads: false, code: 'CORRUPT_FILE', message: /Cannot read binary\.csv as CSV/ });
  add('unbalanced-quotes.csv', 'a quote that never closes', `id,v\n1,"abc\n2,def\n3,ghi\n`, { loads: true });
  add('wide-1000.csv', '1000 columns', `${Array.from({ length: 1000 }, (_, i) => `c${i}`).join(',')}\n${rows(5, (r) => Array.from({ length: 1000 }, (_, i) => String(r * i)).join(','))}\n`, { loads: true, rows: 5 });
  add('hostile-names.csv', 'column names with quotes, newlines, SQL', `"a""b","line\nbreak","x""; DROP TABLE t;--",' or 1=1,"\t"\n1,2,3,4,5\n`, { loads: true, rows: 1 });
  add('duplicate-names.csv', 'the same column name three times', 'a,a,a,b\n1,2,3,4\n', { loads: true, rows: 1 });
  add('long-field.csv', 'one field of 2 MB', `id,v\n1,${'x'.repeat(2_000_000)}\n`, { loads: true, rows: 1 });

  // --- numbers that are not finite: one NaN, infinity or 1e308 must not cost the profile
  add('nan.csv', 'a NaN in a number column', 'a,b\n1,2\nnan,3\n2,4\n', { loads: true, rows: 3 });
  add('inf.csv', '+inf and -inf in a number column', 'a,b\n1,2\ninf,3\n-inf,4\n2,5\n', { loads: true, rows: 4 });
  add('huge.csv', 'doubles near the largest (1e308 and -1e308)', 'a,b\n1e308,2\n1e308,3\n-1e308,4\n', { loads: true, rows: 3 });
  add('nan.parquet', 'NaN in DOUBLE and FLOAT columns, as pandas and Spark write missing values', await nanParquetBytes(), { loads: true, rows: 400 });

  // --- JSON
  add('bad.json', 'JSON with a syntax error', '[{"a": 1}, {"a": ]', { loads: false, code: 'CORRUPT_FILE', message: /bad\.json/ });
  add('scalar.json', 'a JSON number, not rows', '42', { loads: false, code: 'BAD_INPUT', message: /expected an array of objects/ });
  add('empty-array.json', 'an empty JSON array', '[]', { loads: false, code: 'EMPTY_FILE', message: /has no fields/ });
  add('latin1.json', 'JSON that is not UTF-8', Buffer.from('[{"n": "José"}]', 'latin1'), { loads: false, code: 'ENCODING', message: /not valid UTF-8/ });
  add('truncated.ndjson', 'NDJSON whose last line is cut', '{"a":1}\n{"a":2}\n{"a":', { loads: false, code: 'CORRUPT_FILE', message: /truncated\.ndjson/ });

  for (const c of cases) fs.writeFileSync(path.join(dir, c.file), c.bytes);
  return cases.map(({ bytes: _bytes, ...c }) => c);
}
