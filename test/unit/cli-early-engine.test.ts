import { describe, expect, it } from 'vitest';
import { closeUntakenEngine, commandUsesEngine, startEngineEarly, takeEarlyEngine } from '../../workers/cli/early-engine';

describe('the CLI starts its engine early only for commands that use it', () => {
  it('knows which command lines need the engine', () => {
    expect(commandUsesEngine(['profile', 'x.csv'])).toBe(true);
    expect(commandUsesEngine(['pack', 'export', 'p.json'])).toBe(true);
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
});
