/**
 * Progress reports reach a view in batches, at most one per interval, every report in order and all
 * of them before the job's result (the training view builds its live curve from them).
 */
import { describe, expect, it } from 'vitest';
import type { JobProgress } from '../../workers/api';
import { batchProgress } from '../../renderer/use-engine-job';

const report = (round: number): JobProgress => ({ fraction: round / 100, phase: `round ${round}` });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('batchProgress', () => {
  it('delivers the first report at once, then later ones together after the interval', async () => {
    const batches: string[][] = [];
    const batcher = batchProgress((batch) => batches.push(batch.map((p) => p.phase)), 40);
    batcher.push(report(1));
    expect(batches).toEqual([['round 1']]);
    for (let round = 2; round <= 50; round++) batcher.push(report(round));
    // 49 more reports in the same tick: none delivered yet (one render instead of 49).
    expect(batches).toHaveLength(1);
    await sleep(80);
    expect(batches).toHaveLength(2);
    expect(batches[1]).toEqual(Array.from({ length: 49 }, (_, i) => `round ${i + 2}`));
    batcher.dispose();
  });

  it('flush delivers what is queued now, so no report comes after the result', () => {
    const delivered: string[] = [];
    const batcher = batchProgress((batch) => delivered.push(...batch.map((p) => p.phase)), 10_000);
    batcher.push(report(1));
    batcher.push(report(2));
    batcher.push(report(3));
    expect(delivered).toEqual(['round 1']);
    batcher.flush();
    expect(delivered).toEqual(['round 1', 'round 2', 'round 3']);
    batcher.flush();
    expect(delivered).toHaveLength(3);
    batcher.dispose();
  });

  it('dispose drops queued reports and stops the timer', async () => {
    const delivered: string[] = [];
    const batcher = batchProgress((batch) => delivered.push(...batch.map((p) => p.phase)), 20);
    batcher.push(report(1));
    batcher.push(report(2));
    batcher.dispose();
    await sleep(50);
    expect(delivered).toEqual(['round 1']);
  });
});
