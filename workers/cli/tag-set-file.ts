/**
 * The tag set a command writes into (`rules mine --out`): read before any work, so that a file
 * which is not a tag set (a rule pack, a labeler, a model, not JSON at all) stops the command with
 * a plain message and stays as it was, instead of being replaced by a tag set.
 */
import fs from 'node:fs';
import { EngineError } from '../protocol/errors';
import { parseTagSet, TAGSET_SCHEMA, type Tag, type TagSet } from '../tags/tag';

/** What an Assay file that is not a tag set is, in words, from its JSON; null when it is none of them. */
export function otherAssayFile(json: unknown): string | null {
  if (Array.isArray(json)) return 'a JSON list';
  if (json === null || typeof json !== 'object') return `a JSON ${json === null ? 'null' : typeof json}`;
  const doc = json as Record<string, unknown>;
  if (typeof doc.schema === 'string' && doc.schema.startsWith('assay.rulepack/')) return `a rule pack (${doc.schema})`;
  if (typeof doc.schema === 'string' && doc.schema !== TAGSET_SCHEMA && !doc.schema.startsWith('assay.tagset/')) return `another kind of file (schema "${doc.schema}")`;
  if (doc.kind === 'assay-labeler') return 'a labeler (labels train --out)';
  if (doc.format === 'assay-ctr') return 'a CTR model (train --model fm/deepfm)';
  if (typeof doc.learner === 'object' && doc.learner !== null) return 'a GBDT model (XGBoost JSON)';
  return null;
}

/**
 * The tag set already in `file`, to merge new tags into; undefined when there is no such file or
 * it is empty. Anything else that is not a tag set is refused, naming what it is; `flag` is the
 * option that named the file, for the message.
 */
export function readTagSetToMerge(file: string, flag: string): TagSet | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (text.trim() === '') return undefined;
  const refuse = (what: string): EngineError => new EngineError('BAD_INPUT', `${file} is ${what}. ${flag} writes a tag set (merged into one that is already there), so it leaves this file as it is; give another file name.`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw refuse('not JSON, so not a tag set');
  }
  const other = otherAssayFile(json);
  if (other) throw refuse(`${other}, not a tag set`);
  try {
    return parseTagSet(json);
  } catch (err) {
    if (!(err instanceof EngineError)) throw err;
    const problem = err.message.replace(/\.$/, '');
    throw refuse(problem.startsWith('This is ') ? problem.slice('This is '.length) : `JSON that does not read as a tag set (${problem})`);
  }
}

/**
 * Whether `tag` is one an earlier mining run wrote and nobody has touched since: a draft rule
 * that still carries the miner's own measurement (`by`, same target column, and same positive
 * value when given) of the rule as it now reads, made on the same table when both say which.
 * Tags validated, approved, re-measured or edited since, and hand-written ones, are not.
 */
export function minedEarlier(tag: Tag, by: 'rules.mine' | 'rules.mineKeywords', target: { column: string; positive?: string; table?: string }): boolean {
  const m = tag.metrics;
  if (tag.status !== 'draft' || tag.definition.kind !== 'rule' || !m || m.by !== by || !m.target) return false;
  // Mined on another table (another file with the same target column): not this run's to replace.
  if (target.table !== undefined && tag.entity?.table !== undefined && tag.entity.table !== target.table) return false;
  if (m.text !== undefined && m.text !== tag.definition.text) return false;
  return m.target.column === target.column && (target.positive === undefined || m.target.positive === target.positive);
}

/** A file's text now (null when there is none): taken when a command reads a file it will write later. */
export function fileSnapshot(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Refuses to write over `file` when it changed since `snapshot` was taken: a job can run for a
 * while, and an edit saved meanwhile (the Tags view, another command) must not be lost.
 */
export function requireUnchanged(file: string, snapshot: string | null, command: string): void {
  if (fileSnapshot(file) !== snapshot) throw new EngineError('BAD_INPUT', `${file} changed while ${command} ran; nothing was written to it. Run ${command} again.`);
}
