/**
 * A tag's life in a tag set file, as the Tags view leads it: `tags validate` measures the tags on
 * holdout rows against gates and records the verdicts (draft -> validated, or back to draft);
 * `tags status` is the sign-off (validated -> approved, or back); `tags remove` deletes tags.
 * The file is rewritten atomically with its version bumped; the edits are the engine's own.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { GateSpec, TagSplit, TagsValidateResult } from '../tags/mining-types';
import { writeFileAtomic } from '../node/atomic-write';
import { EngineError } from '../protocol/errors';
import { DEFAULT_PRECISION_GATE } from '../tags/validation';
import { parseTagSetJson, type Tag, type TagSet, type TagStatus } from '../tags/tag';
import { removeTag, setTagStatus } from '../tags/tag-set-edit';
import { EXIT, UsageError, openFiles, parseCommandLine, parseNumberOption, requireFile, withEngine, type EngineStarter, type Io } from './common';
import { fileSnapshot, requireUnchanged } from './tag-set-file';
import { VALUE_HELP, VALUE_OPTIONS, openValueSpec, valueOptions } from './value';

export const TAGS_VALIDATE_HELP = `Usage: assay tags validate TAGS.json FILE [--target COL [--positive VALUE]] [options]

Validates the tags of TAGS.json on FILE as the Tags view's Validate does: each tag is measured on
holdout rows and checked against the gates; a draft tag that passes every gate (and the set's)
becomes validated, a tag that fails goes back to draft. The verdicts and the measured figures are
written back into TAGS.json (its version goes up). Prints the figures and each tag's verdict; a
tag failing its gates is a verdict, not a failure of the command (exit 0).

Options:
  --target COL          The label column to measure precision, recall and lift against
  --positive VALUE      Its positive value (default true for a boolean column)
  --split KIND          stratified (default with --target), random (default without), time, or
                        all (every row; no holdout)
  --holdout F           Share of rows held out (default 0.3)
  --time-col COL        The time column of a time split; with any split, figures per time window
  --windows N           Time windows for stability (default 4)
  --seed N              Seed of the split (default 42)
  --min-precision P     Gate: precision on holdout at least P (default ${DEFAULT_PRECISION_GATE}; needs --target)
  --min-coverage PCT    Gate: coverage on holdout at least PCT percent (default 1)
  --tags NAME[,NAME]    Only these tags (names or ids)
${VALUE_HELP}
  -h, --help            Show this help`;

export const TAGS_STATUS_HELP = `Usage: assay tags status TAGS.json --tags NAME[,NAME] --to approved|validated|draft

Signs tags off, as the Tags view's status buttons do: a validated tag can be approved or sent back
to draft; an approved tag can lose its approval (back to validated) or go back to draft. Only a
validation (assay tags validate) makes a draft tag validated.`;

export const TAGS_REMOVE_HELP = `Usage: assay tags remove TAGS.json --tags NAME[,NAME]

Deletes tags (by name or id) from the tag set.`;

const STATUSES: readonly TagStatus[] = ['draft', 'validated', 'approved'];

function readTagSetFile(file: string): TagSet {
  requireFile(file);
  return parseTagSetJson(fs.readFileSync(file, 'utf8'), file);
}

function writeTagSet(file: string, set: TagSet): void {
  writeFileAtomic(path.resolve(file), `${JSON.stringify(set, null, 2)}\n`);
}

/** The tags named (by id, or by name ignoring case); every unknown name is an error. */
function namedTags(set: TagSet, names: readonly string[], file: string): Tag[] {
  const found: Tag[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    const tag = set.tags.find((t) => t.id === name) ?? set.tags.find((t) => t.name.toLowerCase() === name.toLowerCase());
    if (tag) {
      if (!found.includes(tag)) found.push(tag);
    } else unknown.push(name);
  }
  if (unknown.length > 0) {
    const known = set.tags.map((t) => t.name).slice(0, 10).join(', ');
    throw new EngineError('BAD_INPUT', `${file} has no tag ${unknown.map((n) => `"${n}"`).join(', ')} (its tags: ${known || 'none'}${set.tags.length > 10 ? ', …' : ''}).`);
  }
  return found;
}

function tagNames(value: unknown, help: string): string[] {
  const names = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : [];
  if (names.length === 0) throw new UsageError(`--tags needs one or more tag names, separated by commas.\n\n${help}`);
  return names;
}

export function tagsStatusCommand(argv: string[], io: Io): number {
  const { values, positionals } = parseCommandLine({ options: { tags: { type: 'string' }, to: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }, argv, TAGS_STATUS_HELP);
  if (values.help) {
    io.out(TAGS_STATUS_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`tags status takes exactly one TAGS.json (got ${positionals.length}).\n\n${TAGS_STATUS_HELP}`);
  const to = values.to;
  if (typeof to !== 'string' || !STATUSES.includes(to as TagStatus)) throw new UsageError(`--to must be approved, validated or draft (got ${String(to ?? 'nothing')}).\n\n${TAGS_STATUS_HELP}`);
  const names = tagNames(values.tags, TAGS_STATUS_HELP);
  const file = positionals[0] as string;
  let set = readTagSetFile(file);
  const tags = namedTags(set, names, file);
  // Every change is checked before the file is written: one refused tag leaves the file as it was.
  const version = set.version;
  for (const tag of tags) set = setTagStatus(set, tag.id, to as TagStatus);
  // One command, one new version (each edit bumps it).
  if (set.version !== version) set = { ...set, version: version + 1 };
  writeTagSet(file, set);
  for (const tag of tags) io.out(`${tag.name}: ${tag.status === to ? `already ${to}` : `${tag.status} -> ${to}`}`);
  return EXIT.ok;
}

export function tagsRemoveCommand(argv: string[], io: Io): number {
  const { values, positionals } = parseCommandLine({ options: { tags: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }, argv, TAGS_REMOVE_HELP);
  if (values.help) {
    io.out(TAGS_REMOVE_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`tags remove takes exactly one TAGS.json (got ${positionals.length}).\n\n${TAGS_REMOVE_HELP}`);
  const names = tagNames(values.tags, TAGS_REMOVE_HELP);
  const file = positionals[0] as string;
  let set = readTagSetFile(file);
  const tags = namedTags(set, names, file);
  const version = set.version;
  for (const tag of tags) set = removeTag(set, tag.id);
  writeTagSet(file, { ...set, version: version + 1 });
  io.out(`Removed ${tags.map((t) => t.name).join(', ')}; ${set.tags.length} tag${set.tags.length === 1 ? '' : 's'} left in ${file}`);
  return EXIT.ok;
}

export async function tagsValidateCommand(argv: string[], io: Io, startEngine: EngineStarter | undefined, print: (result: TagsValidateResult, io: Io) => void): Promise<number> {
  const { values, positionals } = parseCommandLine(
    {
      options: {
        target: { type: 'string' },
        positive: { type: 'string' },
        split: { type: 'string' },
        holdout: { type: 'string' },
        'time-col': { type: 'string' },
        windows: { type: 'string' },
        seed: { type: 'string' },
        'min-precision': { type: 'string' },
        'min-coverage': { type: 'string' },
        tags: { type: 'string' },
        ...VALUE_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
    },
    argv,
    TAGS_VALIDATE_HELP,
  );
  if (values.help) {
    io.out(TAGS_VALIDATE_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 2) throw new UsageError(`tags validate takes TAGS.json and FILE (got ${positionals.length} arguments).\n\n${TAGS_VALIDATE_HELP}`);
  const target = typeof values.target === 'string' && values.target.trim() ? values.target : undefined;
  if (values.positive !== undefined && target === undefined) throw new UsageError(`--positive needs --target.\n\n${TAGS_VALIDATE_HELP}`);
  const kind = values.split ?? (target ? 'stratified' : 'random');
  if (!['stratified', 'random', 'time', 'all'].includes(String(kind))) throw new UsageError(`--split must be stratified, random, time or all (got ${String(kind)}).`);
  if (kind === 'stratified' && !target) throw new UsageError('A stratified split needs --target; give one, or --split random, time or all.');
  const timeColumn = typeof values['time-col'] === 'string' && values['time-col'].trim() ? values['time-col'] : undefined;
  if (kind === 'time' && !timeColumn) throw new UsageError('A time split needs --time-col COL.');
  const holdout = parseNumberOption('holdout', values.holdout, (v) => v > 0 && v < 1, 'between 0 and 1, e.g. 0.3');
  const seed = parseNumberOption('seed', values.seed, Number.isInteger, 'a whole number');
  const windows = parseNumberOption('windows', values.windows, (v) => Number.isInteger(v) && v >= 1 && v <= 100, 'a whole number from 1 to 100');
  const minPrecision = parseNumberOption('min-precision', values['min-precision'], (v) => v >= 0 && v <= 1, 'between 0 and 1');
  if (minPrecision !== undefined && !target) throw new UsageError('--min-precision needs --target (precision is measured against a label).');
  const minCoverage = parseNumberOption('min-coverage', values['min-coverage'], (v) => v >= 0 && v <= 100, 'a percentage from 0 to 100') ?? 1;
  const only = values.tags === undefined ? undefined : tagNames(values.tags, TAGS_VALIDATE_HELP);
  const value = valueOptions(values, TAGS_VALIDATE_HELP);
  const [tagsFile, file] = positionals as [string, string];
  const set = readTagSetFile(tagsFile);
  const snapshot = fileSnapshot(tagsFile);
  requireFile(file);
  const split: TagSplit = kind === 'all' ? { kind: 'all' } : { kind: kind as TagSplit['kind'], ...(holdout !== undefined ? { holdoutFraction: holdout } : {}), seed: seed ?? 42, ...(kind === 'time' && timeColumn ? { timeColumn } : {}) };
  // The view's gates: precision (with a target) and coverage per tag; a value-lift gate when asked.
  const perTag: NonNullable<GateSpec['perTag']> = [];
  if (target) perTag.push({ metric: 'precision', min: minPrecision ?? DEFAULT_PRECISION_GATE });
  perTag.push({ metric: 'coverage', min: minCoverage / 100 });
  if (value?.minLift !== undefined) perTag.push({ metric: 'valueLift', min: value.minLift });
  return withEngine(async ({ client }) => {
    const [table] = (await openFiles(client, [file], io)) as [string];
    const result = await client.run('tags.validate', {
      tagSet: set,
      source: { table },
      ...(target ? { target } : {}),
      ...(target && typeof values.positive === 'string' ? { positive: values.positive } : {}),
      split,
      gates: { perTag },
      ...(timeColumn ? { timeColumn } : {}),
      ...(windows !== undefined ? { windows } : {}),
      ...(only ? { tags: only } : {}),
      ...(value ? { value: await openValueSpec(client, value, io) } : {}),
    });
    for (const t of result.leftOut ?? []) io.err(`left out: ${t.name} (${t.reason})`);
    for (const warning of result.warnings ?? []) io.err(`warning: ${warning}`);
    print(result, io);
    requireUnchanged(tagsFile, snapshot, 'tags validate');
    writeTagSet(tagsFile, { ...result.tagSet, version: set.version + 1 } as TagSet);
    const changed = result.tags.filter((t) => t.status !== t.previousStatus);
    for (const t of result.tags) io.out(`${t.name}: ${t.previousStatus === t.status ? `stays ${t.status}` : `${t.previousStatus} -> ${t.status}`}${t.gates.passed ? '' : ` (${t.gates.reasons.join('; ')})`}`);
    io.err(`wrote ${tagsFile}: ${changed.length} status change${changed.length === 1 ? '' : 's'}, figures recorded for ${result.tags.length} tag${result.tags.length === 1 ? '' : 's'}`);
    return EXIT.ok;
  }, startEngine);
}
