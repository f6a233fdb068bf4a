/**
 * `assay rules mine` (one class, or with --text every class of a label column as keyword rules),
 * `assay tags eval` and `assay tags add` (a hand-written rule, as text): rule mining, tag metrics
 * and tag-set editing, headless. Each command
 * takes the arguments after its command word and returns the exit code (0 ok, 1 the job failed,
 * 2 bad command line, 130 interrupted), printing its own errors, like the commands of cli.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CoverageOnly, Estimate, RulesMineParams, RulesMineResult, TagMetrics, TagsValidateResult } from '../tags/mining-types';
import { EngineError } from '../api';
import { writeFileAtomic } from '../node/atomic-write';
import { EXIT, UsageError, openFiles, parseCommandLine, parseNumberOption, requireFile, runCommand, withEngine, type EngineStarter, type Io } from './common';
import { renderTextTable } from './format-table';
import type { RulesMineKeywordsResult } from '../tags/keyword-jobs';
import { RuleSyntaxError } from '../tags/parser';
import { printRule } from '../tags/printer';
import { parseTagSet, parseTagSetJson, ruleDefinition, type Tag, type TagSet } from '../tags/tag';
import { mergeMinedTags, tagIdFor } from '../tags/tag-set-edit';
import { fileSnapshot, minedEarlier, readTagSetToMerge, requireUnchanged } from './tag-set-file';
import { tagsRemoveCommand, tagsStatusCommand, tagsValidateCommand } from './tags-lifecycle';
import { VALUE_HELP, VALUE_OPTIONS, openValueSpec, valueOptions, valueReport } from './value';

/** How the commands get an engine: a worker thread by default; tests pass an in-process one. */
export interface TagCliDeps {
  startEngine?: EngineStarter;
}

export const RULES_HELP = `Usage: assay rules mine FILE --target COL [--positive VALUE] --out TAGS.json [options]
       assay rules mine FILE --target COL --text TEXTCOL --out TAGS.json [options]

Mines readable rules that find rows where COL = VALUE, measured on holdout rows the search never
saw, and writes them as a tag set (one draft tag per rule: rule text, AST, holdout metrics).
A row gets the tag when any rule fires.

With --text, mines keyword rules (TEXTCOL CONTAINS WORD 'w' / CONTAINS PHRASE 'a b') for every
class of COL at once (no --positive): per class the words and two-word phrases with the best
precision on out-of-bag rows, measured on holdout rows; each tag records the class it assigns.
A row gets the class of the first rule that fires (rules ordered by out-of-bag precision).
Rows without a label are left out; a label column with one class, or more than 10,000, is refused.

Options:
  --target COL          The label column (or a segment column) (required)
  --positive VALUE      The value to find (default true for a boolean column)
  --out FILE.json       Where to write the tag set (required). An existing tag set is merged
                        into: the draft tags an earlier rules mine of the same kind wrote for
                        this target (and value) are replaced, every other tag stays. A file
                        that is not a tag set (a pack, a labeler, not JSON) is refused, untouched
  --min-precision P     Minimum precision of each rule on out-of-bag rows (default 0.85: the
                        0.80 precision gate of validation plus a margin, since rules measure
                        lower on rows they were not chosen on)
  --min-support S       Minimum rows per rule: a share below 1, a count from 1 (default 0.01)
  --max-rules N         At most N rules (default 5)
  --max-conditions N    At most N conditions per rule (default 3)
  --seed N              Seed of the search (default 42); the same seed gives the same rules
  --time-budget MS      Stop searching after MS milliseconds (default 30000)
  --holdout F           Share of rows held out (default 0.3, stratified)
  --exclude A,B         Columns rules must not use (ids, leaks)
  --text TEXTCOL        Keyword rules from this text column for every class of --target
                        (--min-support then counts training rows, default 5; --max-rules is
                        per class; --no-phrases proposes single words only)
  --no-phrases          With --text: single words only
  --json                Print the full result as JSON
  -h, --help            Show this help`;

export const TAGS_ADD_HELP = `Usage: assay tags add TAGS.json --name NAME --rule "RULE" [--group G] [--description D]

Adds a hand-written rule tag to a tag set (created when TAGS.json does not exist). The rule is
text in the rule language, e.g.
  --rule "Description CONTAINS WORD 'mug'"
  --rule "Description CONTAINS PHRASE 'tea cup' AND UnitPrice < 5"
  --rule "Description MATCHES '(?i)^set of [0-9]+'"
A syntax error is shown with its position. The new tag is a draft; measure it with tags eval.

Options:
  --name NAME           The tag's name (unique in the set, ignoring case) (required)
  --rule RULE           The rule, as text (required)
  --group G             Taxonomy group (default "manual"; added to the taxonomy if new)
  --description D       What the tag means
  --label COL=VALUE     The class the tag assigns (a labelling rule for label column COL)
  -h, --help            Show this help`;

export const TAGS_HELP = `Usage: assay tags eval TAGS.json FILE [--target COL --positive VALUE] [--tags NAME,...] [--value EXPR] [--json]
       assay tags add TAGS.json --name NAME --rule "RULE"   (see assay tags add --help)
       assay tags validate TAGS.json FILE [--target COL]   Gates on holdout rows; verdicts written back
       assay tags status TAGS.json --tags NAME --to approved|validated|draft   Sign-off
       assay tags remove TAGS.json --tags NAME[,NAME]

Measures the tags of a tag set on FILE (all rows): coverage, and with a target, precision,
recall, F1 and lift with 95% intervals, plus the set (any tag fires) and the overlap of tags.
Tags that read columns FILE does not have (made on another table) are left out, each named on
stderr with the columns it needs.

Options:
  --target COL          The label column to measure against
  --positive VALUE      Its positive value (default true for a boolean column)
  --tags NAME[,NAME]    Only these tags (names or ids)
${VALUE_HELP}
  --json                Print the full result as JSON
  -h, --help            Show this help`;

function num(v: number | null, digits = 3): string {
  return v === null ? '-' : v.toFixed(digits);
}

function withCi(e: Estimate, digits = 3, percent = false): string {
  if (e.value === null) return '-';
  const f = (v: number): string => (percent ? `${(v * 100).toFixed(digits - 1)}%` : v.toFixed(digits));
  return e.low !== null && e.high !== null ? `${f(e.value)} [${f(e.low)}-${f(e.high)}]` : f(e.value);
}

function hasTarget(m: TagMetrics | CoverageOnly): m is TagMetrics {
  return 'precision' in m;
}

function metricCells(m: TagMetrics | CoverageOnly): string[] {
  const base = [m.support.toLocaleString('en-US'), withCi(m.coverage, 2, true)];
  if (!hasTarget(m)) return base;
  return [...base, withCi(m.precision), withCi(m.recall), withCi(m.f1), withCi(m.lift, 2)];
}

const METRIC_HEADERS = ['support', 'coverage [95% CI]', 'precision [95% CI]', 'recall [95% CI]', 'F1 [95% CI]', 'lift [95% CI]'];

function printMined(result: RulesMineResult, wrote: string, io: Io): void {
  const lines: string[] = [];
  lines.push(`Rules for ${result.target} = ${result.positive}: ${result.rules.length} rule${result.rules.length === 1 ? '' : 's'}, trained on ${result.rows.train.toLocaleString('en-US')} rows, measured on ${result.rows.holdout.toLocaleString('en-US')} holdout rows (base rate ${num(result.baseRate.holdout)}).`);
  lines.push(result.application);
  lines.push('');
  result.rules.forEach((r, k) => {
    lines.push(`${k + 1}. ${r.text}`);
    lines.push(`   holdout: precision ${withCi(r.holdout.precision)}, recall ${withCi(r.holdout.recall)}, coverage ${withCi(r.holdout.coverage, 2, true)}, lift ${withCi(r.holdout.lift, 2)}; TP ${r.holdout.tp}, FP ${r.holdout.fp}, support ${r.holdout.support}`);
    lines.push(`   train: TP ${r.train.tp}, FP ${r.train.fp}, support ${r.train.support}; examples (holdout rows): right ${r.examples.truePositives.join(', ') || '-'}; wrong ${r.examples.falsePositives.join(', ') || '-'}`);
  });
  const s = result.set.holdout;
  lines.push('');
  lines.push(`Any rule fires (holdout): precision ${withCi(s.precision)}, recall ${withCi(s.recall)}, F1 ${withCi(s.f1)}, coverage ${withCi(s.coverage, 2, true)}`);
  if (result.stoppedEarly) lines.push('The search stopped at its time budget; a larger --time-budget may find more.');
  for (const w of result.warnings) io.err(`warning: ${w}`);
  lines.push(wrote);
  io.out(lines.join('\n'));
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Writes a mining run's tags to `out`: as they are when there was no tag set there, else merged
 * into it (the tags `earlier` picks out are replaced, the rest kept). Returns the line that says so.
 */
function writeMinedTags(out: string, existing: TagSet | undefined, snapshot: string | null, mined: TagSet, earlier: (tag: Tag) => boolean): string {
  requireUnchanged(out, snapshot, 'rules mine');
  if (!existing) {
    writeFileAtomic(path.resolve(out), `${JSON.stringify(mined, null, 2)}\n`);
    return `Wrote ${plural(mined.tags.length, 'tag')} to ${out}`;
  }
  const merged = mergeMinedTags(existing, mined.tags, earlier);
  writeFileAtomic(path.resolve(out), `${JSON.stringify(parseTagSet(merged.set), null, 2)}\n`);
  const kept = merged.set.tags.length - merged.added.length;
  return `Wrote ${plural(merged.added.length, 'mined tag')} into the tag set ${out} (${merged.replaced.length} from an earlier run of the same kind replaced, ${plural(kept, 'other tag')} kept)`;
}

/** `assay rules mine FILE --target COL ...` (argv: the arguments after `rules`). */
export async function rulesCommand(argv: string[], io: Io, deps: TagCliDeps = {}): Promise<number> {
  return runCommand(io, async () => {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      io.out(RULES_HELP);
      return sub === undefined ? EXIT.usage : EXIT.ok;
    }
    if (sub !== 'mine') throw new UsageError(`Unknown rules command "${sub}" (try "assay rules mine").\n\n${RULES_HELP}`);
    const { values, positionals } = parseCommandLine(
      {
        options: {
          target: { type: 'string' },
          positive: { type: 'string' },
          out: { type: 'string' },
          'min-precision': { type: 'string' },
          'min-support': { type: 'string' },
          'max-rules': { type: 'string' },
          'max-conditions': { type: 'string' },
          seed: { type: 'string' },
          'time-budget': { type: 'string' },
          holdout: { type: 'string' },
          exclude: { type: 'string' },
          text: { type: 'string' },
          'no-phrases': { type: 'boolean' },
          json: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
      },
      rest,
      RULES_HELP,
    );
    if (values.help) {
      io.out(RULES_HELP);
      return EXIT.ok;
    }
    if (values.text !== undefined) return mineKeywordsCommand(values, positionals, io, deps);
    if (values['no-phrases']) throw new UsageError(`--no-phrases goes with --text.\n\n${RULES_HELP}`);
    if (positionals.length !== 1) throw new UsageError(`rules mine takes exactly one FILE (got ${positionals.length}).\n\n${RULES_HELP}`);
    const target = values.target;
    if (typeof target !== 'string' || !target) throw new UsageError(`rules mine needs --target COL.\n\n${RULES_HELP}`);
    const out = values.out;
    if (typeof out !== 'string' || !out) throw new UsageError(`rules mine needs --out TAGS.json.\n\n${RULES_HELP}`);
    const holdout = parseNumberOption('holdout', values.holdout, (v) => v > 0 && v < 1, 'a share between 0 and 1');
    const params: Omit<RulesMineParams, 'source'> = {
      target,
      positive: typeof values.positive === 'string' ? values.positive : undefined,
      minPrecision: parseNumberOption('min-precision', values['min-precision'], (v) => v > 0 && v <= 1, 'in (0, 1]'),
      minSupport: parseNumberOption('min-support', values['min-support'], (v) => v > 0, 'a share in (0, 1) or a row count'),
      maxRules: parseNumberOption('max-rules', values['max-rules'], (v) => Number.isInteger(v) && v >= 1 && v <= 100, 'a whole number from 1 to 100'),
      maxConditions: parseNumberOption('max-conditions', values['max-conditions'], (v) => Number.isInteger(v) && v >= 1 && v <= 6, 'a whole number from 1 to 6'),
      seed: parseNumberOption('seed', values.seed, Number.isInteger, 'a whole number'),
      timeBudgetMs: parseNumberOption('time-budget', values['time-budget'], (v) => v > 0, 'a positive number of milliseconds'),
      split: { kind: 'stratified', holdoutFraction: holdout ?? 0.3, seed: 42 },
      exclude: typeof values.exclude === 'string' ? values.exclude.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    };
    const file = positionals[0] as string;
    // Read before any work: a file that is not a tag set stops here, untouched.
    const existing = readTagSetToMerge(out, 'rules mine --out');
    const snapshot = fileSnapshot(out);
    requireFile(file);
    return withEngine(async ({ client }) => {
      const [table] = (await openFiles(client, [file], io)) as [string];
      const result = await client.run('rules.mine', { ...params, source: { table } });
      const wrote = writeMinedTags(out, existing, snapshot, result.tagSet, (t) => minedEarlier(t, 'rules.mine', { column: result.target, positive: result.positive, table }));
      if (values.json) {
        for (const w of result.warnings) io.err(`warning: ${w}`);
        io.err(wrote);
        io.out(JSON.stringify(result, null, 2));
      } else printMined(result, wrote, io);
      return EXIT.ok;
    }, deps.startEngine);
  });
}

type ParsedValues = ReturnType<typeof parseCommandLine>['values'];

/** `assay rules mine FILE --target COL --text TEXTCOL --out T.json`: keyword rules for every class. */
async function mineKeywordsCommand(values: ParsedValues, positionals: string[], io: Io, deps: TagCliDeps): Promise<number> {
  if (positionals.length !== 1) throw new UsageError(`rules mine takes exactly one FILE (got ${positionals.length}).\n\n${RULES_HELP}`);
  const text = values.text;
  if (typeof text !== 'string' || !text) throw new UsageError(`--text needs a column name.\n\n${RULES_HELP}`);
  const target = values.target;
  if (typeof target !== 'string' || !target) throw new UsageError(`rules mine needs --target COL.\n\n${RULES_HELP}`);
  if (values.positive !== undefined) throw new UsageError(`With --text every class of ${target} is mined; leave out --positive.\n\n${RULES_HELP}`);
  for (const option of ['max-conditions', 'time-budget', 'exclude'] as const) {
    if (values[option] !== undefined) throw new UsageError(`--${option} does not apply to keyword rules (--text).\n\n${RULES_HELP}`);
  }
  const out = values.out;
  if (typeof out !== 'string' || !out) throw new UsageError(`rules mine needs --out TAGS.json.\n\n${RULES_HELP}`);
  const file = positionals[0] as string;
  // Read before any work: a file that is not a tag set stops here, untouched.
  const existing = readTagSetToMerge(out, 'rules mine --out');
  const snapshot = fileSnapshot(out);
  const params = {
    text,
    target,
    holdoutFraction: parseNumberOption('holdout', values.holdout, (v) => v > 0 && v < 1, 'a share between 0 and 1'),
    minPrecision: parseNumberOption('min-precision', values['min-precision'], (v) => v > 0 && v <= 1, 'in (0, 1]'),
    minSupport: parseNumberOption('min-support', values['min-support'], (v) => v > 0, 'a share in (0, 1) or a row count'),
    maxRulesPerClass: parseNumberOption('max-rules', values['max-rules'], (v) => Number.isInteger(v) && v >= 1 && v <= 100, 'a whole number from 1 to 100'),
    seed: parseNumberOption('seed', values.seed, Number.isInteger, 'a whole number'),
    phrases: values['no-phrases'] ? false : undefined,
  };
  requireFile(file);
  return withEngine(async ({ client }) => {
    const [table] = (await openFiles(client, [file], io)) as [string];
    const result = await client.run('rules.mineKeywords', { ...params, source: { table } });
    // Every class of the target is mined at once, so the earlier keyword tags of all its classes go.
    const wrote = writeMinedTags(out, existing, snapshot, result.tagSet, (t) => minedEarlier(t, 'rules.mineKeywords', { column: result.target, table }));
    for (const w of result.warnings) io.err(`warning: ${w}`);
    if (values.json) {
      io.err(wrote);
      io.out(JSON.stringify(result, null, 2));
    } else printKeywordRules(result, wrote, io);
    return EXIT.ok;
  }, deps.startEngine);
}

function printKeywordRules(result: RulesMineKeywordsResult, wrote: string, io: Io): void {
  const rows: string[][] = [];
  for (const c of result.classes) {
    if (c.rules.length === 0) {
      rows.push([c.label, '-', '', '', '', c.note ?? '']);
      continue;
    }
    c.rules.forEach((r, k) => rows.push([k === 0 ? c.label : '', r.text, withCi(r.holdout.precision), withCi(r.holdout.coverage, 2, true), String(r.holdout.support), `right ${r.evidence.right.slice(0, 3).join(', ') || '-'}; wrong ${r.evidence.wrong.slice(0, 3).join(', ') || '-'}`]));
    if (c.set) rows.push(['', `(any rule for ${c.label})`, withCi(c.set.precision), withCi(c.set.coverage, 2, true), `recall ${withCi(c.set.recall)}`, '']);
  }
  const o = result.overall;
  const lines = [
    `Keyword rules for ${result.target} from ${result.text}: ${result.order.length} rules for ${result.classes.filter((c) => c.rules.length > 0).length} of ${result.classes.length} classes, trained on ${result.rows.train.toLocaleString('en-US')} rows, measured on ${result.rows.holdout.toLocaleString('en-US')} holdout rows${result.rows.unlabelled > 0 ? ` (${result.rows.unlabelled.toLocaleString('en-US')} rows without a label left out)` : ''}.`,
    renderTextTable(['class', 'rule', 'precision [95% CI]', 'coverage [95% CI]', 'support', 'evidence (holdout rows)'], rows, 60),
    '',
    `All rules, first that fires (holdout): ${o.labelled.toLocaleString('en-US')} rows labelled (coverage ${(o.coverage * 100).toFixed(1)}%), precision ${num(o.precision)}.`,
    wrote,
  ];
  io.out(lines.join('\n'));
}

/** The rule's line with a caret under the error's position. */
function pointAt(rule: string, err: RuleSyntaxError): string {
  const line = rule.split('\n')[err.position.line - 1] ?? '';
  return `  ${line}\n  ${' '.repeat(Math.max(0, err.position.column - 1))}^`;
}

/** `assay tags add TAGS.json --name N --rule "..."`: a hand-written rule tag, no JSON AST editing. */
function addTagCommand(rest: string[], io: Io): number {
  const { values, positionals } = parseCommandLine(
    { options: { name: { type: 'string' }, rule: { type: 'string' }, group: { type: 'string' }, description: { type: 'string' }, label: { type: 'string' }, help: { type: 'boolean', short: 'h' } } },
    rest,
    TAGS_ADD_HELP,
  );
  if (values.help) {
    io.out(TAGS_ADD_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`tags add takes exactly one TAGS.json (got ${positionals.length}).\n\n${TAGS_ADD_HELP}`);
  const name = typeof values.name === 'string' ? values.name.trim() : '';
  if (!name) throw new UsageError(`tags add needs --name NAME.\n\n${TAGS_ADD_HELP}`);
  const rule = typeof values.rule === 'string' ? values.rule : '';
  if (!rule.trim()) throw new UsageError(`tags add needs --rule "RULE" (rule text, e.g. "Description CONTAINS WORD 'mug'").\n\n${TAGS_ADD_HELP}`);
  let label: { column: string; value: string } | undefined;
  if (values.label !== undefined) {
    const text = String(values.label);
    const eq = text.indexOf('=');
    if (eq <= 0) throw new UsageError(`--label must be COL=VALUE (got "${text}").\n\n${TAGS_ADD_HELP}`);
    label = { column: text.slice(0, eq), value: text.slice(eq + 1) };
  }
  const file = positionals[0] as string;
  const set = readTagSetToMerge(file, 'tags add') ?? parseTagSet({ tags: [] });
  let definition;
  try {
    // Stored in canonical form (upper-case keywords), as the app's rule editor saves rules.
    const parsed = ruleDefinition(rule);
    definition = { ...parsed, text: printRule(parsed.ast) };
  } catch (err) {
    if (!(err instanceof RuleSyntaxError)) throw err;
    io.err(`error: the rule does not parse: ${err.message}`);
    io.err(pointAt(rule, err));
    return EXIT.failed;
  }
  const group = typeof values.group === 'string' && values.group.trim() ? values.group.trim() : 'manual';
  const id = tagIdFor(name, set.tags.map((t) => t.id));
  const next = parseTagSet({
    ...set,
    version: set.version + 1,
    taxonomy: set.taxonomy.includes(group) ? set.taxonomy : [...set.taxonomy, group],
    tags: [...set.tags, { id, name, group, description: typeof values.description === 'string' ? values.description : '', owner: '', status: 'draft', definition, ...(label ? { label } : {}) }],
  });
  writeFileAtomic(path.resolve(file), `${JSON.stringify(next, null, 2)}\n`);
  io.out(`Added ${name} (${id}): ${definition.text}\nWrote ${next.tags.length} tag${next.tags.length === 1 ? '' : 's'} to ${file}`);
  return EXIT.ok;
}

function printEvaluated(result: TagsValidateResult, io: Io): void {
  const withTarget = result.tags.length > 0 ? hasTarget((result.tags[0] as { holdout: TagMetrics | CoverageOnly }).holdout) : hasTarget(result.set.holdout);
  const headers = ['tag', 'rule', ...METRIC_HEADERS.slice(0, withTarget ? 6 : 2)];
  const rows = result.tags.map((t) => [t.name, t.text, ...metricCells(t.holdout)]);
  rows.push(['(any tag)', '', ...metricCells(result.set.holdout)]);
  const lines = [`${result.rows.holdout.toLocaleString('en-US')} rows`, renderTextTable(headers, rows, 60)];
  if (result.tags.length > 1) {
    lines.push('', 'Overlap (Jaccard of rows tagged):');
    lines.push(renderTextTable(['', ...result.overlap.names], result.overlap.jaccard.map((row, i) => [result.overlap.names[i] as string, ...row.map((v) => v.toFixed(2))]), 30));
  }
  if (result.value) lines.push(...valueReport(result.value, [...result.tags.map((t) => ({ name: t.name, value: t.value })), { name: '(any tag)', value: result.set.value }]));
  for (const t of result.tags) if (!t.gates.passed) lines.push(`gate failed: ${t.name}: ${t.gates.reasons.join('; ')}`);
  for (const s of result.skipped) lines.push(`skipped ${s.name}: ${s.reason}`);
  io.out(lines.join('\n'));
}

/** `--tags a,b` as a list of tag names (undefined when absent); an empty list is a usage error. */
export function tagListOption(value: unknown, help = TAGS_HELP): string[] | undefined {
  if (value === undefined) return undefined;
  const names = String(value).split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError(`--tags needs one or more tag names, separated by commas.\n\n${help}`);
  return names;
}

/** One stderr line per tag left out because the data lacks its columns. */
export function printLeftOut(leftOut: ReadonlyArray<{ name: string; reason: string }> | undefined, io: Io): void {
  for (const t of leftOut ?? []) io.err(`left out: ${t.name} (${t.reason})`);
}

/** `assay tags eval TAGS.json FILE [--target COL --positive VALUE]` (argv: the arguments after `tags`). */
export async function tagsCommand(argv: string[], io: Io, deps: TagCliDeps = {}): Promise<number> {
  return runCommand(io, async () => {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      io.out(TAGS_HELP);
      return sub === undefined ? EXIT.usage : EXIT.ok;
    }
    if (sub === 'add') return addTagCommand(rest, io);
    if (sub === 'validate') return tagsValidateCommand(rest, io, deps.startEngine, printEvaluated);
    if (sub === 'status') return tagsStatusCommand(rest, io);
    if (sub === 'remove') return tagsRemoveCommand(rest, io);
    if (sub !== 'eval') throw new UsageError(`Unknown tags command "${sub}" (try "assay tags eval", "validate", "add", "status" or "remove").\n\n${TAGS_HELP}`);
    const { values, positionals } = parseCommandLine(
      { options: { target: { type: 'string' }, positive: { type: 'string' }, tags: { type: 'string' }, ...VALUE_OPTIONS, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } },
      rest,
      TAGS_HELP,
    );
    if (values.help) {
      io.out(TAGS_HELP);
      return EXIT.ok;
    }
    if (positionals.length !== 2) throw new UsageError(`tags eval takes TAGS.json and FILE (got ${positionals.length} arguments).\n\n${TAGS_HELP}`);
    if (values.positive !== undefined && values.target === undefined) throw new UsageError(`--positive needs --target.\n\n${TAGS_HELP}`);
    const only = tagListOption(values.tags);
    const value = valueOptions(values, TAGS_HELP);
    const [tagsFile, file] = positionals as [string, string];
    requireFile(tagsFile);
    requireFile(file);
    const text = fs.readFileSync(tagsFile, 'utf8');
    try {
      JSON.parse(text);
    } catch (err) {
      throw new EngineError('BAD_INPUT', `${tagsFile} is not valid JSON (${(err as Error).message}).`);
    }
    // Read here too, so a tag set of another kind or from a newer Assay is refused naming the file.
    const tagSet = parseTagSetJson(text, tagsFile);
    return withEngine(async ({ client }) => {
      const [table] = (await openFiles(client, [file], io)) as [string];
      const result = await client.run('tags.validate', {
        tagSet,
        source: { table },
        target: typeof values.target === 'string' ? values.target : undefined,
        positive: typeof values.positive === 'string' ? values.positive : undefined,
        split: { kind: 'all' },
        gates: value?.minLift !== undefined ? { perTag: [{ metric: 'valueLift', min: value.minLift }] } : {},
        ...(only ? { tags: only } : {}),
        ...(value ? { value: await openValueSpec(client, value, io) } : {}),
      });
      printLeftOut(result.leftOut, io);
      for (const warning of result.warnings ?? []) io.err(`warning: ${warning}`);
      if (values.json) {
        const valued = <T extends object>(t: T, v: unknown): T => (v === undefined ? t : { ...t, value: v });
        const tags = result.tags.map((t) => valued({ id: t.id, name: t.name, text: t.text, metrics: t.holdout, ...(value?.minLift !== undefined ? { gates: t.gates } : {}) }, t.value));
        io.out(JSON.stringify({ rows: result.rows.holdout, tags, set: valued({ ...result.set.holdout }, result.set.value), ...(result.value ? { value: result.value } : {}), overlap: result.overlap, skipped: result.skipped, leftOut: result.leftOut, warnings: result.warnings ?? [] }, null, 2));
      } else printEvaluated(result, io);
      // A value gate given on the command line decides the exit code, as pack validate's checks do.
      return value?.minLift !== undefined && result.tags.some((t) => !t.gates.passed) ? EXIT.failed : EXIT.ok;
    }, deps.startEngine);
  });
}
