import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../workers/api';
import { addReview, approvalStatus, canonicalJson, editPack, packContentHash, readPack, reviewStates, sha256Hex, writePack } from '../../workers/packs/io';
import { packJsonSchemaText, type RulePack } from '../../workers/packs/schema';
import { parseRule } from '../../workers/tags/parser';
import { failure } from '../helpers/engine';
import { repoRoot } from '../helpers/paths';
import { sampleMixedPack, sampleRulePack } from '../helpers/packs';

async function badInput(text: string): Promise<string> {
  const err = await failure(readPack(text));
  expect(err.code).toBe('BAD_INPUT');
  return err.message;
}

describe('pack schema file', () => {
  it('the shipped JSON Schema is generated from the zod definition (run scripts/gen-pack-schema.ts)', () => {
    const shipped = fs.readFileSync(path.join(repoRoot, 'workers', 'packs', 'rulepack.schema.json'), 'utf8');
    expect(shipped).toBe(packJsonSchemaText());
    const schema = JSON.parse(shipped) as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['schema', 'tags', 'golden', 'reviews', 'contentHash', 'provenance']));
    expect(schema.required).toEqual(expect.arrayContaining(['schema', 'name', 'version', 'tags', 'contentHash']));
  });
});

describe('canonical JSON and hashing', () => {
  it('sorts keys at every level and hashes with SHA-256', async () => {
    expect(canonicalJson({ b: 1, a: [{ d: 'x', c: null }], e: 0.1 })).toBe('{"a":[{"c":null,"d":"x"}],"b":1,"e":0.1}');
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('the content hash ignores key order and reviews but not content', async () => {
    const pack = await sampleRulePack();
    const reverseKeys = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reverseKeys) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)])) : v;
    const shuffled = reverseKeys(pack) as RulePack;
    expect(JSON.stringify(shuffled)).not.toBe(JSON.stringify(pack));
    expect(await packContentHash(shuffled)).toBe(pack.contentHash);
    const reviewed = addReview(pack, { by: 'pm@example.com', decision: 'approve', note: 'ok', at: '2026-11-21T09:00:00.000Z' });
    expect(await packContentHash(reviewed)).toBe(pack.contentHash);
    expect(await packContentHash({ ...pack, version: '1.0.1' })).not.toBe(pack.contentHash);
  });
});

describe('readPack', () => {
  it('round-trips every sample pack exactly', async () => {
    for (const pack of [await sampleRulePack(), await sampleMixedPack()]) {
      const text = writePack(pack);
      const { pack: back, migratedFrom } = await readPack(text);
      expect(migratedFrom).toBeNull();
      expect(back).toEqual(pack);
      expect(writePack(back)).toBe(text);
    }
  });

  it('rejects truncated JSON', async () => {
    const text = writePack(await sampleRulePack());
    expect(await badInput(text.slice(0, Math.floor(text.length / 2)))).toMatch(/not valid JSON.*truncated/);
  });

  it('names the field with a wrong type', async () => {
    const doc = JSON.parse(writePack(await sampleRulePack())) as { tags: Array<Record<string, unknown>> };
    (doc.tags[1] as { rule: { ast: { type: string; arg: unknown } } }).rule.ast.arg = 42;
    expect(await badInput(JSON.stringify(doc))).toMatch(/^The pack does not match the pack schema: tags\[1\]\.rule\.ast\.arg: /);
    const doc2 = JSON.parse(writePack(await sampleRulePack())) as Record<string, unknown>;
    doc2.version = 3;
    expect(await badInput(JSON.stringify(doc2))).toMatch(/version: /);
    doc2.version = '1.0';
    expect(await badInput(JSON.stringify(doc2))).toMatch(/version: must be a semantic version/);
  });

  it('refuses a newer or unknown schema and a missing one', async () => {
    const doc = JSON.parse(writePack(await sampleRulePack())) as Record<string, unknown>;
    expect(await badInput(JSON.stringify({ ...doc, schema: 'assay.rulepack/3' }))).toMatch(/newer than this Assay reads.*update Assay/);
    expect(await badInput(JSON.stringify({ ...doc, schema: 'acme.rules/1' }))).toMatch(/not a rule pack schema/);
    expect(await badInput(JSON.stringify({ ...doc, schema: undefined }))).toMatch(/^schema: missing/);
    expect(await badInput('[1,2]')).toMatch(/must be a JSON object/);
  });

  it('detects a tampered rule through the content hash', async () => {
    const pack = await sampleRulePack();
    const doc = JSON.parse(writePack(pack)) as { tags: Array<{ rule: { text: string; ast: unknown } }> };
    const tag = doc.tags[0] as { rule: { text: string; ast: unknown } };
    tag.rule.text = `"spend 90d" > 400`;
    tag.rule.ast = parseRule(tag.rule.text);
    const message = await badInput(JSON.stringify(doc));
    expect(message).toMatch(/^contentHash: the pack content does not match its hash/);
    // Reading without the check still works (for a diff against the edited file, say).
    expect((await readPack(JSON.stringify(doc), { verifyHash: false })).pack.tags[0]?.name).toBe(pack.tags[0]?.name);
  });

  it('rejects duplicate tag ids and names, and an id named like the output\'s tags column', async () => {
    const doc = JSON.parse(writePack(await sampleRulePack())) as { tags: Array<{ id: string; name: string }> };
    (doc.tags[1] as { id: string }).id = (doc.tags[0] as { id: string }).id;
    expect(await badInput(JSON.stringify(doc))).toMatch(/tags\[1\]\.id: tag id "high_value" \(tag "it's `odd`"\) repeats another tag's id/);
    const doc2 = JSON.parse(writePack(await sampleRulePack())) as { tags: Array<{ id: string; name: string }> };
    (doc2.tags[1] as { name: string }).name = (doc2.tags[0] as { name: string }).name;
    expect(await badInput(JSON.stringify(doc2))).toMatch(/tags\[1\]\.name: tag name "high "value"" repeats another tag/);
    (doc2.tags[1] as { name: string; id: string }).id = 'tags';
    expect(await badInput(JSON.stringify(doc2))).toMatch(/tags\[1\]\.id: tag id "tags"/);
  });

  it('migrates an assay.rulepack/0 pack', async () => {
    const v0 = {
      schema: 'assay.rulepack/0',
      name: 'legacy',
      version: '0.3.0',
      created: '2025-06-01T12:00:00Z',
      author: 'old-tool',
      table: 'users',
      key: 'user_id',
      rules: [{ name: 'big spender', text: 'spend > 500', ast: parseRule('spend > 500') }],
    };
    const { pack, migratedFrom } = await readPack(JSON.stringify(v0));
    expect(migratedFrom).toBe('assay.rulepack/0');
    expect(pack.schema).toBe('assay.rulepack/2');
    expect(pack.entity).toEqual({ table: 'users', key: 'user_id' });
    expect(pack.created).toEqual({ at: '2025-06-01T12:00:00Z', by: 'old-tool' });
    expect(pack.asOf).toBe('2025-06-01');
    expect(pack.tags[0]).toMatchObject({ kind: 'rule', id: 'big_spender', name: 'big spender', status: 'draft', rule: { text: 'spend > 500' } });
    expect(pack.contentHash).toBe(await packContentHash(pack));
    // The migrated pack reads back as a current one.
    expect((await readPack(writePack(pack))).pack).toEqual(pack);
    expect(await badInput(JSON.stringify({ ...v0, rules: [] }))).toMatch(/assay\.rulepack\/0 pack does not match.*rules/);
  });
});

describe('reviews', () => {
  it('records approvals against the content hash; an edit voids them', async () => {
    let pack = await sampleRulePack();
    expect(approvalStatus(pack)).toBe('unreviewed');
    pack = addReview(pack, { by: 'pm@example.com', decision: 'approve', note: 'looks right', at: '2026-11-21T09:00:00.000Z' });
    expect(approvalStatus(pack)).toBe('approved');
    expect((await readPack(writePack(pack))).pack.reviews).toHaveLength(1);
    const edited = await editPack(pack, (draft) => ({ ...draft, version: '1.1.0' }));
    expect(edited.contentHash).not.toBe(pack.contentHash);
    expect(reviewStates(edited)).toEqual([expect.objectContaining({ by: 'pm@example.com', valid: false })]);
    expect(approvalStatus(edited)).toBe('unreviewed');
    const rejected = addReview(edited, { by: 'lead@example.com', decision: 'reject', note: 'threshold too low' });
    expect(approvalStatus(rejected)).toBe('rejected');
    expect(() => addReview(edited, { by: 'x', decision: 'reject', note: ' ' })).toThrow(EngineError);
  });
});
