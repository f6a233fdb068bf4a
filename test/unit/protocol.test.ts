import { describe, expect, it } from 'vitest';
import { EngineError, JobClient } from '../../workers/api';
import { plainMessage, toEngineError } from '../../workers/protocol/errors';
import { JobHost } from '../../workers/protocol/host';
import type { FromEngine, ToEngine } from '../../workers/protocol/messages';
import { collectTransferables } from '../../workers/protocol/messages';
import { inProcessPair } from '../../workers/protocol/transports';

interface TestJobs {
  count: { params: { to: number; stepMs: number }; result: { reached: number } };
  fail: { params: { message: string }; result: never };
  crash: { params: Record<string, never>; result: never };
  echo: { params: { bytes: Uint8Array }; result: { bytes: Uint8Array } };
}

function setup(): { host: JobHost; client: JobClient<TestJobs> } {
  const [engineSide, clientSide] = inProcessPair<ToEngine, FromEngine>();
  const host = new JobHost(engineSide);
  host.register<{ to: number; stepMs: number }, { reached: number }>('count', async ({ to, stepMs }, ctx) => {
    let i = 0;
    for (; i < to; i++) {
      if (ctx.signal.aborted) break;
      ctx.progress(i / to, `step ${i + 1} of ${to}`);
      await new Promise((r) => setTimeout(r, stepMs));
    }
    return { reached: i };
  });
  host.register('fail', async ({ message }: { message: string }) => {
    throw new EngineError('BAD_INPUT', message, { field: 'x' });
  });
  host.register('crash', async () => {
    throw new TypeError('undefined is not a function');
  });
  host.register('echo', async ({ bytes }: { bytes: Uint8Array }) => ({ bytes }));
  return { host, client: new JobClient<TestJobs>(clientSide) };
}

describe('job protocol', () => {
  it('dispose releases what services kept between jobs, each once, even when one release throws', () => {
    const { host } = setup();
    const released: string[] = [];
    host.onDispose(() => released.push('device'));
    host.onDispose(() => {
      throw new Error('already gone');
    });
    host.onDispose(() => released.push('cache'));
    expect(released).toEqual([]);
    host.dispose();
    expect(released).toEqual(['device', 'cache']);
    host.dispose();
    expect(released).toEqual(['device', 'cache']);
  });

  it('reports progress with fraction and phase, then the typed result', async () => {
    const { client } = setup();
    const seen: Array<{ fraction: number; phase: string }> = [];
    const result = await client.run('count', { to: 5, stepMs: 60 }, { onProgress: (p) => seen.push(p) });
    expect(result).toEqual({ reached: 5 });
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.every((p) => p.fraction >= 0 && p.fraction <= 1)).toBe(true);
    expect(seen.map((p) => p.fraction)).toEqual([...seen.map((p) => p.fraction)].sort((a, b) => a - b));
    expect(seen.some((p) => /step \d of 5/.test(p.phase))).toBe(true);
    expect(client.running()).toEqual([]);
  });

  it('cancels a running job with a CANCELLED error, and the host stays usable', async () => {
    const { client } = setup();
    const handle = client.start('count', { to: 1000, stepMs: 5 });
    setTimeout(() => handle.cancel(), 60);
    const err = await handle.result.then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('CANCELLED');
    expect(await client.run('count', { to: 2, stepMs: 1 })).toEqual({ reached: 2 });
  });

  it('cancels a queued job before it starts, via an AbortSignal', async () => {
    const { client } = setup();
    const first = client.start('count', { to: 10, stepMs: 10 });
    const controller = new AbortController();
    const second = client.start('count', { to: 10, stepMs: 10 }, { signal: controller.signal });
    expect(client.running().map((j) => j.id)).toEqual([first.id, second.id]);
    controller.abort();
    await expect(second.result).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(first.result).resolves.toEqual({ reached: 10 });
  });

  it('turns thrown errors into typed errors: engine errors keep code and detail, others are INTERNAL', async () => {
    const { client } = setup();
    await expect(client.run('fail', { message: 'bad column' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: 'bad column', detail: { field: 'x' } });
    await expect(client.run('crash', {})).rejects.toMatchObject({ code: 'INTERNAL', message: 'undefined is not a function' });
    const unknown = client as unknown as JobClient<{ nope: { params: object; result: unknown } }>;
    await expect(unknown.run('nope', {})).rejects.toMatchObject({ code: 'UNKNOWN_JOB' });
  });

  it('moves whole buffers as transferables but copies views of a part of a buffer', () => {
    const whole = new Uint8Array(16);
    const part = new Uint8Array(new ArrayBuffer(32), 8, 8);
    expect(collectTransferables({ a: whole, b: [part], c: 'x' })).toEqual([whole.buffer]);
  });

  it('round-trips binary payloads', async () => {
    const { client } = setup();
    const bytes = new Uint8Array([1, 2, 3, 250]);
    const out = await client.run('echo', { bytes: bytes.slice() });
    expect(Array.from(out.bytes)).toEqual([1, 2, 3, 250]);
  });
});

describe('errors that cross the protocol are plain words', () => {
  it('unwraps DuckDB JSON reports and drops stack frames and LINE context, keeping the original as the cause', () => {
    const json = toEngineError(new Error('{"exception_type":"Parser","exception_message":"Max expression depth limit of 1000 exceeded."}'));
    expect(json.code).toBe('INTERNAL');
    expect(json.message).toBe('Parser Error: Max expression depth limit of 1000 exceeded.');
    expect(json.detail?.cause).toMatch(/exception_type/);
    expect(plainMessage('Error: Binder Error: no column x\nLINE 1: SELECT x\n               ^')).toBe('Binder Error: no column x');
    expect(plainMessage('TypeError: boom\n    at f (a.js:1:1)\n    at g (b.js:2:2)')).toBe('TypeError: boom');
    expect(toEngineError(new Error('plain')).detail).toBeUndefined();
  });
});
