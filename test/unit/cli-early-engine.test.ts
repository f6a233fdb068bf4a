import { describe, expect, it } from 'vitest';
import { withEngine } from '../../workers/cli/common';
import { closeUntakenEngine, commandUsesEngine, startEngineEarly, takeEarlyEngine } from '../../workers/cli/early-engine';

describe('the CLI starts its engine early only for commands that use it', () => {
  it('knows which command lines need the engine', () => {
    expect(commandUsesEngine(['profile', 'x.csv'])).toBe(true);
    expect(commandUsesEngine(['pack', 'build', 't.json', 'x.csv'])).toBe(true);
    expect(commandUsesEngine(['tags', 'eval', 't.json', 'x.csv'])).toBe(true);
    expect(commandUsesEngine(['labels', 'train', 'x.csv'])).toBe(true);
    // These open their own DuckDB or need none.
    expect(commandUsesEngine(['pack', 'export', 'p.json'])).toBe(false);
    expect(commandUsesEngine(['pack', 'apply', 'p.json', 'x.csv'])).toBe(false);
    expect(commandUsesEngine(['tags', 'add', 't.json'])).toBe(false);
    expect(commandUsesEngine(['pack'])).toBe(false);
    expect(commandUsesEngine(['profile', '--help'])).toBe(false);
    expect(commandUsesEngine(['train', '-h'])).toBe(false);
    expect(commandUsesEngine(['--version'])).toBe(false);
    expect(commandUsesEngine(['help'])).toBe(false);
    expect(commandUsesEngine(['bogus', 'x'])).toBe(false);
    expect(commandUsesEngine([])).toBe(false);
  });

  it('starts nothing for a help request, and an untaken engine closes', async () => {
    startEngineEarly(['profile', '--help']);
    expect(takeEarlyEngine()).toBeNull();
    await expect(closeUntakenEngine()).resolves.toBeUndefined();
  });

  it('withEngine runs the command on the engine started early (no second thread)', async () => {
    const early = startEngineEarly(['query', '--sql', 'SELECT 1', 'x.csv']);
    expect(early).not.toBeNull();
    const tables = await withEngine(async (engine) => {
      expect(engine).toBe(await early);
      return engine.client.run('data.catalog', {});
    });
    expect(tables).toEqual([]);
    expect(takeEarlyEngine()).toBeNull();
  }, 60_000);
});
