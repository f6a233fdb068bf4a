import type { z } from 'zod';
import { EngineError } from '../protocol/errors';
import {
  PACK_SCHEMA,
  PACK_SCHEMA_VERSION,
  rulePackSchema,
  rulePackV0Schema,
  type Review,
  type RulePack,
  type RulePackDraft,
  type RulePackInput,
  type RulePackV0,
} from './schema';
import { assignTagIds, safeTagId, tagIdFor } from './tag-ids';

/** A hash that satisfies the schema while the real one is being computed. */
const PLACEHOLDER_HASH = `sha256:${'0'.repeat(64)}`;

/**
 * Canonical JSON: keys sorted at every level, no whitespace, numbers in JavaScript's shortest
 * round-trip form. Two packs with the same content give the same text in Node and in browsers.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new EngineError('BAD_INPUT', `Cannot hash the non-finite number ${value}.`);
    if (value === undefined) return 'null';
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  const digest = await globalThis.crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The content hash: SHA-256 of the canonical pack without its hash and its review records. */
export async function packContentHash(pack: RulePack | Omit<RulePack, 'contentHash'>): Promise<string> {
  const { contentHash: _hash, reviews: _reviews, ...content } = pack as RulePack;
  return `sha256:${await sha256Hex(canonicalJson(content))}`;
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  return out === '' ? '(the pack)' : out;
}

function schemaError(error: z.ZodError, what: string): EngineError {
  const issues = error.issues.slice(0, 5).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const more = error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : '';
  return new EngineError('BAD_INPUT', `${what} does not match the pack schema: ${issues.join('; ')}${more}.`, {
    issues: error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
  });
}

/** Validates a pack object (defaults filled in; a tag without an id gets one from its name) and gives it its content hash. */
export async function finalizePack(input: RulePackDraft | Omit<RulePackInput, 'contentHash'>): Promise<RulePack> {
  const tags = Array.isArray(input.tags) ? assignTagIds(input.tags as Array<{ name: string; id?: string }>) : input.tags;
  const parsed = rulePackSchema.safeParse({ ...input, tags, contentHash: PLACEHOLDER_HASH });
  if (!parsed.success) throw schemaError(parsed.error, 'The pack');
  return { ...parsed.data, contentHash: await packContentHash(parsed.data) };
}

/** Turns a pre-release ("assay.rulepack/0") pack into the current shape. */
export function migrateV0(old: RulePackV0): RulePackDraft {
  return {
    schema: PACK_SCHEMA,
    name: old.name,
    version: old.version,
    parent: null,
    created: { at: old.created, by: old.author },
    asOf: old.created.slice(0, 10),
    entity: { table: old.table, key: old.key },
    tags: old.rules.map((r) => ({ kind: 'rule' as const, name: r.name, description: r.description, rule: { text: r.text, ast: r.ast } })),
  };
}

/**
 * "assay.rulepack/1" -> the current shape: each tag gets an id from its name (its output column
 * from now on; where two names give one id, the later tags get "_2", "_3"... in pack order, since a
 * v1 pack has no ids to rename), golden rows list ids, and the
 * pack records no feature step. The v1 hash is checked on the v1 content first; the migrated pack
 * is re-hashed, so earlier reviews no longer match it (its output columns changed: review it again).
 */
async function migrateV1(doc: Record<string, unknown>, verifyHash: boolean, says: Named): Promise<RulePack> {
  const rawTags = Array.isArray(doc.tags) ? (doc.tags as Array<Record<string, unknown>>) : [];
  const named = rawTags.map((t) => ({ ...t, name: typeof t.name === 'string' ? t.name : '' }));
  const taken: string[] = [];
  const withIds = named.map((t) => {
    const { id: _id, ...rest } = t as Record<string, unknown> & { name: string };
    const id = tagIdFor(rest.name, taken);
    taken.push(id);
    return { ...rest, id };
  });
  const idOf = new Map(withIds.map((t) => [t.name, t.id]));
  const golden = doc.golden as { rows?: Array<{ expected?: unknown }> } | undefined;
  const rows = golden?.rows?.map((r) => ({ ...r, expected: Array.isArray(r.expected) ? r.expected.map((n) => (typeof n === 'string' ? (idOf.get(n) ?? safeTagId(n)) : n)) : r.expected }));
  const migrated = { ...doc, schema: PACK_SCHEMA, tags: withIds, ...(golden && rows ? { golden: { ...golden, rows } } : {}) };
  const parsed = rulePackSchema.safeParse(migrated);
  if (!parsed.success) throw schemaError(parsed.error, says.name ? `${says.Subject} (assay.rulepack/1)` : 'The assay.rulepack/1 pack');
  if (verifyHash) {
    // The v1 content: no ids, names in the golden rows, no feature step.
    const nameOf = new Map(parsed.data.tags.map((t) => [t.id, t.name]));
    const { features: _features, ...rest } = parsed.data;
    const v1 = {
      ...rest,
      schema: 'assay.rulepack/1',
      tags: parsed.data.tags.map(({ id: _id, ...t }) => t),
      golden: { ...parsed.data.golden, rows: parsed.data.golden.rows.map((r) => ({ ...r, expected: r.expected.map((id) => nameOf.get(id) ?? id) })) },
    };
    const actual = await packContentHash(v1 as unknown as RulePack);
    if (actual !== parsed.data.contentHash) {
      throw hashMismatch(says, parsed.data.contentHash, actual);
    }
  }
  const { contentHash: _hash, ...content } = parsed.data;
  return finalizePack(content);
}

export interface ReadPackOptions {
  /** Check the recorded content hash (default true). */
  verifyHash?: boolean;
  /** Which pack this is, for messages where two are read ("the new pack (v2.json)"); "the pack" when absent. */
  name?: string;
}

/** How readPack's messages name the pack: "the pack", or the name given ("the new pack (v2.json)"). */
interface Named {
  name: string | undefined;
  subject: string;
  Subject: string;
  /** " in the new pack (v2.json)" for a field's problem; nothing when unnamed. */
  inIt: string;
}

function naming(name: string | undefined): Named {
  const subject = name ?? 'the pack';
  const Subject = subject.charAt(0).toUpperCase() + subject.slice(1);
  return { name, subject, Subject, inIt: name === undefined ? '' : ` in ${name}` };
}

function hashMismatch(says: Named, recorded: string, computed: string): EngineError {
  const content = says.name === undefined ? 'the pack content' : `the content of ${says.name}`;
  return new EngineError('BAD_INPUT', `contentHash: ${content} does not match its hash (recorded ${recorded}, computed ${computed}); it was edited after it was built.`, { recorded, computed });
}

export interface ReadPackResult {
  pack: RulePack;
  /** The schema the file was written in, when it was migrated from an older one. */
  migratedFrom: string | null;
}

/** Reads and validates pack JSON text: clear BAD_INPUT errors naming the bad field. */
export async function readPack(text: string, options: ReadPackOptions = {}): Promise<ReadPackResult> {
  const named = naming(options.name);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new EngineError('BAD_INPUT', `${named.Subject} is not valid JSON (${detail}); the file may be truncated.`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new EngineError('BAD_INPUT', `${named.Subject} must be a JSON object.`);
  const schema = (doc as { schema?: unknown }).schema;
  if (typeof schema !== 'string') throw new EngineError('BAD_INPUT', `schema: missing${named.inIt}; a rule pack starts with "schema": "${PACK_SCHEMA}".`);
  const match = /^assay\.rulepack\/(\d+)$/.exec(schema);
  if (!match) throw new EngineError('BAD_INPUT', `schema: "${schema}"${named.inIt} is not a rule pack schema (expected "${PACK_SCHEMA}").`);
  const version = Number(match[1]);
  if (version > PACK_SCHEMA_VERSION) {
    throw new EngineError('BAD_INPUT', `schema: ${named.subject} uses "${schema}", newer than this Assay reads ("${PACK_SCHEMA}"); update Assay.`);
  }
  if (version === 0) {
    const old = rulePackV0Schema.safeParse(doc);
    if (!old.success) throw schemaError(old.error, named.name ? `${named.Subject} (assay.rulepack/0)` : 'The assay.rulepack/0 pack');
    return { pack: await finalizePack(migrateV0(old.data)), migratedFrom: schema };
  }
  if (version === 1) return { pack: await migrateV1(doc as Record<string, unknown>, options.verifyHash ?? true, named), migratedFrom: schema };
  const parsed = rulePackSchema.safeParse(doc);
  if (!parsed.success) throw schemaError(parsed.error, named.Subject);
  const pack = parsed.data;
  if (options.verifyHash ?? true) {
    const actual = await packContentHash(pack);
    if (actual !== pack.contentHash) {
      throw hashMismatch(named, pack.contentHash, actual);
    }
  }
  return { pack, migratedFrom: null };
}

/** Pack JSON as written to disk: two-space indented, fields in schema order. */
export function writePack(pack: RulePack): string {
  return `${JSON.stringify(pack, null, 2)}\n`;
}

/**
 * Applies an edit to a pack's content and re-hashes it. Earlier reviews stay in the record but
 * no longer match the content hash, so they count as void.
 */
export async function editPack(pack: RulePack, edit: (draft: RulePack) => RulePack): Promise<RulePack> {
  const draft = edit(structuredClone(pack));
  const { contentHash: _old, ...rest } = draft;
  return finalizePack(rest);
}

export interface ReviewState extends Review {
  /** False when the pack changed after this review (its content hash differs). */
  valid: boolean;
}

export function reviewStates(pack: RulePack): ReviewState[] {
  return pack.reviews.map((r) => ({ ...r, valid: r.contentHash === pack.contentHash }));
}

/** approved: the latest valid review approves; rejected: it rejects; unreviewed: no valid review. */
export function approvalStatus(pack: RulePack): 'approved' | 'rejected' | 'unreviewed' {
  const valid = reviewStates(pack).filter((r) => r.valid);
  const last = valid[valid.length - 1];
  return last === undefined ? 'unreviewed' : last.decision === 'approve' ? 'approved' : 'rejected';
}

/** Adds a review record for the pack's current content (reviews are not part of the hash). */
export function addReview(pack: RulePack, review: { by: string; decision: 'approve' | 'reject'; note: string; at?: string }): RulePack {
  if (review.by.trim() === '') throw new EngineError('BAD_INPUT', 'A review needs the reviewer\'s name.');
  if (review.decision === 'reject' && review.note.trim() === '') throw new EngineError('BAD_INPUT', 'A rejection needs a note saying why.');
  const record: Review = { by: review.by, at: review.at ?? new Date().toISOString(), decision: review.decision, note: review.note, contentHash: pack.contentHash };
  return { ...pack, reviews: [...pack.reviews, record] };
}
