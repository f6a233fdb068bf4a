import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { featuresCommand } from '../../workers/cli/features';
import { trainCommand } from '../../workers/cli/models';
import { createRng } from '../../workers/gbdt/rng';
import { tempDir, writeFixture } from '../helpers/paths';

const dir = tempDir('segments-windowed-cli');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Command = (argv: string[], io: { out(t: string): void; err(t: string): void }) => Promise<number>;

async function run(command: Command, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await command(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const stamp = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

/**
 * 400 users over May 2025 and 2025-06-01 (the label day). A third are "warm": they view and cart
 * in the last three days before June and mostly buy on June 1st; the rest rarely do.
 */
function eventLog(): string {
  const rng = createRng(1515);
  const lines = ['user_id,ts,event_type,price,item_id'];
  const may1 = Date.UTC(2025, 4, 1);
  const june1 = Date.UTC(2025, 5, 1);
  for (let user = 1; user <= 400; user++) {
    const warm = rng() < 1 / 3;
    const item = (): string => `i${Math.floor(rng() * 80)}`;
    for (let i = 0; i < 3; i++) lines.push(`${user},${stamp(may1 + Math.floor(rng() * 25 * 86_400_000))},${rng() < 0.8 ? 'pv' : 'buy'},${(rng() * 50).toFixed(2)},${item()}`);
    if (warm) for (let i = 0; i < 4; i++) lines.push(`${user},${stamp(june1 - Math.floor(rng() * 3 * 86_400_000) - 1000)},${i === 0 ? 'cart' : 'pv'},0,${item()}`);
    if (rng() < (warm ? 0.8 : 0.1)) lines.push(`${user},${stamp(june1 + Math.floor(rng() * 86_400_000))},buy,${(10 + rng() * 90).toFixed(2)},${item()}`);
  }
  return lines.join('\n');
}

describe('assay features windowed --label-window, then assay train', { timeout: 120_000 }, () => {
  it('builds a next-day-purchase dataset in one command and trains on it without the label spend', async () => {
    const events = writeFixture(dir, 'events.csv', eventLog());
    const train = path.join(dir, 'train.csv');
    const built = await run(featuresCommand, 'windowed', events, '--key', 'user_id', '--time', 'ts', '--event-type', 'event_type', '--value', 'price', '--item', 'item_id', '--windows', '1,3,7', '--as-of', '2025-06-01', '--label-window', '1d', '--out', train);
    expect(built.stderr).toContain('wrote 400 rows x 36 columns');
    expect(built.code).toBe(0);
    const [header, ...rows] = fs.readFileSync(train, 'utf8').trim().split('\n');
    expect(header?.split(',').slice(0, 3)).toEqual(['user_id', 'view_count_1d', 'cart_count_1d']);
    expect(header?.split(',').slice(-2)).toEqual(['label', 'label_spend']);
    const labels = rows.map((r) => Number(r.split(',').at(-2)));
    expect(new Set(labels)).toEqual(new Set([0, 1]));

    const model = path.join(dir, 'model.json');
    const trained = await run(trainCommand, train, '--target', 'label', '--split', 'entity', '--key', 'user_id', '--rounds', '20', '--out', model);
    expect(trained.code).toBe(0);
    expect(trained.stderr + trained.stdout).toMatch(/"label_spend" left out/);
    const features = (JSON.parse(fs.readFileSync(model, 'utf8')) as { learner: { feature_names: string[] } }).learner.feature_names;
    expect(features).toContain('cart_count_3d');
    expect(features).not.toContain('label_spend');
    expect(features).not.toContain('user_id');
    // The recent-activity windows carry the signal: warm users are told apart on held-out users.
    const summary = JSON.parse(trained.stdout) as { validation: { auc: number } };
    expect(summary.validation.auc).toBeGreaterThan(0.75);
    // the CTR family chooses its features the same way
    const lr = await run(trainCommand, train, '--target', 'label', '--model', 'lr', '--rounds', '2', '--out', path.join(dir, 'lr.json'));
    expect(lr.code).toBe(0);
    expect(lr.stderr + lr.stdout).toMatch(/"label_spend" left out/);
  });

  it('refuses a label window past the data, and bad options, in plain words', async () => {
    const events = writeFixture(dir, 'late.csv', 'user_id,ts,event_type,price\n1,2025-06-01 10:00:00,buy,5\n2,2025-06-02 10:00:00,buy,5\n');
    const late = await run(featuresCommand, 'windowed', events, '--key', 'user_id', '--time', 'ts', '--event-type', 'event_type', '--as-of', '2025-06-02', '--label-window', '7d', '--print-sql');
    expect(late.code).not.toBe(0);
    expect(late.stderr).toMatch(/label window of 7 days from the as-of date 2025-06-02 runs to 2025-06-09, past the data's last event \(2025-06-02 10:00:00\)/);
    const windows = await run(featuresCommand, 'windowed', events, '--key', 'user_id', '--time', 'ts', '--windows', '7,x', '--print-sql');
    expect(windows.stderr).toMatch(/--windows takes whole days such as 1d or 7 \(got x\)/);
    const labelEvent = await run(featuresCommand, 'windowed', events, '--key', 'user_id', '--time', 'ts', '--label-event', 'buy', '--print-sql');
    expect(labelEvent.stderr).toMatch(/--label-event needs --label-window Nd/);
  });
});
