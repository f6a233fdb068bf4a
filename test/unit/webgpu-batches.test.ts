/**
 * How the WebGPU kernels split work that would not fit one device buffer (256 MiB on most
 * devices): the per-level histogram path's batches of row ranges (row lists and output histograms
 * within one binding each) and k-means' label read-back windows. Pure functions: no adapter needed.
 */
import { describe, expect, test } from 'vitest';
import { deviceBatches } from '../../workers/gbdt/webgpu-histogram';
import { labelWindows } from '../../workers/cluster/webgpu-kmeans';

const MiB = 2 ** 20;

describe('deviceBatches', () => {
  test('ranges that fit go in one batch, in order', () => {
    expect(deviceBatches([[0, 10], [10, 30], [30, 31]], 4096, 256 * MiB)).toEqual([{ indices: [0, 1, 2], onCpu: false }]);
  });

  test('a deep level: output histograms over the cap split into batches that each fit', () => {
    // 64 features of 4 KiB per range: 256 KiB a range, so a 1 MiB cap holds four ranges.
    const ranges = Array.from({ length: 10 }, (_, k) => [k * 100, k * 100 + 100] as const);
    const batches = deviceBatches(ranges, 64 * 4096, MiB);
    expect(batches.map((b) => b.indices)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(batches.every((b) => !b.onCpu)).toBe(true);
  });

  test('many rows: row lists over the cap split, and a range whose rows alone exceed it goes to the CPU', () => {
    const cap = 1000 * 4;
    const batches = deviceBatches([[0, 600], [600, 1200], [1200, 2400], [2400, 2500], [2500, 2500]], 64, cap);
    expect(batches).toEqual([
      { indices: [0], onCpu: false },
      { indices: [1], onCpu: false },
      { indices: [2], onCpu: true },
      { indices: [3, 4], onCpu: false },
    ]);
  });

  test('every range lands in exactly one batch; no device batch exceeds the cap', () => {
    const ranges: Array<readonly [number, number]> = [];
    let at = 0;
    for (let k = 0; k < 200; k++) {
      const size = (k * 7919) % 1500;
      ranges.push([at, at + size]);
      at += size;
    }
    const cap = 4000;
    const batches = deviceBatches(ranges, 300, cap);
    expect(batches.flatMap((b) => b.indices)).toEqual(ranges.map((_, k) => k));
    for (const b of batches.filter((x) => !x.onCpu)) {
      expect(b.indices.reduce((s, k) => s + ((ranges[k] as readonly [number, number])[1] - (ranges[k] as readonly [number, number])[0]) * 4, 0)).toBeLessThanOrEqual(cap);
      expect(b.indices.length * 300).toBeLessThanOrEqual(cap);
    }
  });
});

describe('labelWindows', () => {
  const chunks = (...rows: number[]) => rows.map((rowCount) => ({ rowCount }));

  test('labels that fit come back in one window', () => {
    const all = chunks(1000, 1000, 5);
    expect(labelWindows(all, 256 * MiB)).toEqual([all]);
  });

  test('over the cap: windows of whole chunks, each within it (padded to 16 bytes)', () => {
    const all = chunks(100, 100, 100, 100, 3);
    const windows = labelWindows(all, 800);
    expect(windows).toEqual([[all[0], all[1]], [all[2], all[3]], [all[4]]]);
    for (const w of windows) expect(Math.ceil(w.reduce((s, c) => s + c.rowCount * 4, 0) / 16) * 16).toBeLessThanOrEqual(800);
  });

  test('a chunk larger than the cap is a window of its own', () => {
    const all = chunks(10, 500, 10);
    expect(labelWindows(all, 400)).toEqual([[all[0]], [all[1]], [all[2]]]);
  });
});
