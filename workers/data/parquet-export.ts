import { tableToIPC } from 'apache-arrow';
import { throwIfAborted } from '../protocol/errors';
import type { JobContext } from '../protocol/host';
import type { DuckDriver } from './driver';
import type { ParquetWasmModule } from './parquet-types';

/** Cells (rows x columns) read from DuckDB per batch: bounds memory whatever the table's width. */
const BATCH_CELLS = 2_000_000;
/** Rows per Parquet row group: readers (Assay included) decode a file group by group. */
const ROW_GROUP_ROWS = 256 * 1024;

type RecordBatch = import('parquet-wasm/esm').RecordBatch;

/** How Assay writes Parquet: Snappy (as DuckDB and Spark default to), row groups of ROW_GROUP_ROWS. */
export function parquetWriterProperties(parquet: ParquetWasmModule): import('parquet-wasm/esm').WriterProperties {
  return new parquet.WriterPropertiesBuilder().setCompression(parquet.Compression.SNAPPY).setMaxRowGroupSize(ROW_GROUP_ROWS).build();
}

/**
 * Streams a table into a Parquet file batch by batch: rowid ranges of the table are read from
 * DuckDB as Arrow, handed to parquet-wasm's streaming writer, and its bytes go to `sink` as they
 * are produced. Memory stays at about one batch and one row group, where encoding the whole
 * table at once held it several times over (3.3 GB for an 80 MB file). Returns the bytes written.
 */
export async function streamParquet(
  driver: DuckDriver,
  parquet: ParquetWasmModule,
  relation: string,
  columnCount: number,
  sink: WritableStream<Uint8Array>,
  ctx: JobContext,
): Promise<number> {
  const bounds = (await driver.query(`SELECT min(rowid) AS lo, max(rowid) AS hi, count(*) AS n FROM ${relation}`, ctx.signal)).get(0)?.toJSON() as
    | { lo: bigint | number | null; hi: bigint | number | null; n: bigint | number }
    | undefined;
  const lo = bounds?.lo === null || bounds?.lo === undefined ? 0 : Number(bounds.lo);
  const hi = bounds?.hi === null || bounds?.hi === undefined ? -1 : Number(bounds.hi);
  if (hi < lo) {
    // No rows: the streaming writer needs a first batch for the schema, so write the (tiny) file at once.
    const empty = await driver.query(`SELECT * FROM ${relation} LIMIT 0`, ctx.signal);
    const bytes = parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(empty, 'stream')), parquetWriterProperties(parquet));
    const writer = sink.getWriter();
    await writer.write(bytes);
    await writer.close();
    return bytes.byteLength;
  }
  const step = Math.max(1024, Math.floor(BATCH_CELLS / Math.max(1, columnCount)));
  let next = lo;
  const batches = new ReadableStream<RecordBatch>({
    pull: async (controller) => {
      throwIfAborted(ctx.signal);
      if (next > hi) {
        controller.close();
        return;
      }
      let arrow = await driver.query(`SELECT * FROM ${relation} WHERE rowid >= ${next} AND rowid < ${next + step}`, ctx.signal);
      next += step;
      if (arrow.numRows === 0) {
        // A gap of deleted rows wider than a batch: a pull that enqueues nothing is never pulled
        // again (the export would wait for ever), so jump to the next row that exists.
        const after = await driver.query(`SELECT min(rowid) AS next_row FROM ${relation} WHERE rowid >= ${next}`, ctx.signal);
        const nextRow = after.getChild('next_row')?.get(0) as number | bigint | null | undefined;
        if (nextRow === null || nextRow === undefined) {
          controller.close();
          return;
        }
        next = Number(nextRow);
        arrow = await driver.query(`SELECT * FROM ${relation} WHERE rowid >= ${next} AND rowid < ${next + step}`, ctx.signal);
        next += step;
      }
      ctx.progress(0.1 + (0.85 * Math.min(1, (next - lo) / (hi - lo + 1))), 'writing Parquet');
      const table = parquet.Table.fromIPCStream(tableToIPC(arrow, 'stream'));
      for (const batch of table.recordBatches()) controller.enqueue(batch);
      table.free();
    },
  });
  const props = parquetWriterProperties(parquet);
  let written = 0;
  const counted = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      written += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  const encoded = (await parquet.transformParquetStream(batches, props)) as ReadableStream<Uint8Array>;
  await encoded.pipeThrough(counted).pipeTo(sink);
  return written;
}
