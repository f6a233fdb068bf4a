import { describe, expect, it } from 'vitest';
import { PageCache } from '../../renderer/views/sql/page-cache';

interface Deferred {
  offset: number;
  limit: number;
  resolve(rows: number[]): void;
  reject(err: unknown): void;
}

/** A fetcher whose calls the test answers by hand, to observe ordering and concurrency. */
function manualFetcher() {
  const calls: Deferred[] = [];
  const fetchPage = (offset: number, limit: number): Promise<number[]> =>
    new Promise((resolve, reject) => calls.push({ offset, limit, resolve, reject }));
  const answer = async (call: Deferred | undefined): Promise<void> => {
    if (!call) throw new Error('no such call');
    call.resolve(Array.from({ length: call.limit }, (_v, i) => call.offset + i));
    await new Promise((r) => setTimeout(r, 0));
  };
  return { calls, fetchPage, answer };
}

describe('PageCache', () => {
  it('serves seed rows without fetching and fetches only pages in view', async () => {
    const f = manualFetcher();
    let changes = 0;
    const cache = new PageCache<number>({ rowCount: 1_000_000, pageSize: 500, seed: [0, 1, 2], fetchPage: f.fetchPage, onChange: () => changes++ });
    expect(cache.getRow(2)).toBe(2);
    expect(cache.getRow(3)).toBeUndefined();
    cache.ensure(0, 40);
    expect(f.calls.map((c) => [c.offset, c.limit])).toEqual([[0, 500]]);
    await f.answer(f.calls[0]);
    expect(cache.getRow(40)).toBe(40);
    expect(changes).toBe(1);
    expect(cache.has(0, 499)).toBe(true);
    expect(cache.has(0, 500)).toBe(false);
  });

  it('asks for a short last page and nothing past the end', async () => {
    const f = manualFetcher();
    const cache = new PageCache<number>({ rowCount: 1_234, pageSize: 500, fetchPage: f.fetchPage });
    cache.ensure(1_200, 5_000);
    expect(f.calls.map((c) => [c.offset, c.limit])).toEqual([[1_000, 234]]);
    await f.answer(f.calls[0]);
    expect(cache.getRow(1_233)).toBe(1_233);
    expect(cache.getRow(1_234)).toBeUndefined();
  });

  it('limits concurrent fetches and skips pages that scrolled away before their turn', async () => {
    const f = manualFetcher();
    const cache = new PageCache<number>({ rowCount: 1_000_000, pageSize: 100, maxInFlight: 2, fetchPage: f.fetchPage });
    cache.ensure(0, 450); // pages 0..4
    expect(f.calls.map((c) => c.offset)).toEqual([0, 100]);
    // The user drags to the end before anything arrives.
    cache.ensure(999_950, 999_999);
    await f.answer(f.calls[0]);
    await f.answer(f.calls[1]);
    // Pages 2..4 were never requested; the end page was.
    expect(f.calls.map((c) => c.offset)).toEqual([0, 100, 999_900]);
    await f.answer(f.calls[2]);
    expect(cache.getRow(999_999)).toBe(999_999);
  });

  it('evicts least recently used pages but never the ones on screen', async () => {
    const f = manualFetcher();
    const cache = new PageCache<number>({ rowCount: 10_000, pageSize: 10, maxPages: 3, maxInFlight: 10, fetchPage: f.fetchPage });
    for (const page of [0, 1, 2]) {
      cache.ensure(page * 10, page * 10 + 9);
      await f.answer(f.calls.at(-1));
    }
    cache.ensure(0, 9); // touch page 0 so page 1 is now the oldest
    cache.ensure(30, 39);
    await f.answer(f.calls.at(-1));
    expect(cache.loadedPageCount).toBe(3);
    expect(cache.getRow(5)).toBe(5);
    expect(cache.getRow(15)).toBeUndefined();
    expect(cache.getRow(25)).toBe(25);
    expect(cache.getRow(35)).toBe(35);
    // A visible range wider than the cache is kept whole while visible.
    cache.ensure(100, 159);
    for (const call of f.calls.slice(4)) await f.answer(call);
    expect(cache.has(100, 159)).toBe(true);
  });

  it('records a failure, retries on the next ensure, and ignores answers after dispose', async () => {
    const f = manualFetcher();
    const cache = new PageCache<number>({ rowCount: 100, pageSize: 50, fetchPage: f.fetchPage });
    cache.ensure(0, 10);
    f.calls[0]?.reject(new Error('gone'));
    await new Promise((r) => setTimeout(r, 0));
    expect((cache.lastError as Error).message).toBe('gone');
    cache.ensure(0, 10);
    expect(f.calls).toHaveLength(2);
    await f.answer(f.calls[1]);
    expect(cache.lastError).toBeNull();
    cache.ensure(60, 70);
    cache.dispose();
    await f.answer(f.calls[2]);
    expect(cache.getRow(60)).toBeUndefined();
    expect(cache.fetchCount).toBe(3);
  });

  it('does not fetch the same page twice while it is in flight', () => {
    const f = manualFetcher();
    const cache = new PageCache<number>({ rowCount: 1_000, pageSize: 500, fetchPage: f.fetchPage });
    cache.ensure(0, 10);
    cache.ensure(5, 20);
    cache.ensure(0, 30);
    expect(f.calls).toHaveLength(1);
  });
});
