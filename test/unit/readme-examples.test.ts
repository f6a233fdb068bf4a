/**
 * Every `npx assay` example line of README.md runs on the samples and exits 0.
 *
 * How a README line becomes a command:
 * - lines in fenced code blocks starting `npx assay`; a trailing `\` joins the next line;
 * - `# comments` are stripped; `[optional]` parts are dropped, except those naming `--positive`
 *   (positive values named as the file writes them are what the first-use issue was about);
 * - `a|b|c` takes the first choice; `--rounds N` is capped at 10 to keep the suite fast;
 * - outputs (`--out`, `--report`, `--tags`) go to a temp folder, and a later line that reads a file
 *   of the same name reads that one; every other file must exist in the repository.
 * Lines run as soon as the lines that write their inputs have run, two at a time.
 * ASSAY_README=path runs the examples of another file (to check README text before merging it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from '../helpers/paths';
import { runProcess } from '../helpers/process';

/** A README example made runnable. */
interface Example {
  /** 1-based line in the README where the example starts. */
  line: number;
  /** The example as written (continuations joined). */
  text: string;
  /** Arguments after `npx assay`, before files are resolved. */
  args: string[];
}

/** Options whose value is a file the command writes. */
const OUTPUT_OPTIONS = new Set(['--out', '--report', '--tags']);
const FILE_LIKE = /\.(csv|tsv|json|ndjson|parquet|gz|html|sql|txt)$/i;
const MAX_ROUNDS = 10;
const CONCURRENCY = 2;

/** Removes `# comment` and `[optional]` parts outside quotes; keeps optional parts naming --positive. */
function stripOptionalAndComments(text: string): string {
  let out = '';
  let quote: string | null = null;
  const groups: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    const sink = (s: string): void => {
      if (groups.length > 0) groups[groups.length - 1] += s;
      else out += s;
    };
    if (quote) {
      sink(ch);
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      sink(ch);
    } else if (ch === '#' && (i === 0 || /\s/.test(text[i - 1] as string))) {
      break;
    } else if (ch === '[') {
      groups.push('');
    } else if (ch === ']' && groups.length > 0) {
      const group = groups.pop() as string;
      if (/(^|\s)--positive(\s|=)/.test(group)) sink(` ${group} `);
    } else sink(ch);
  }
  return out.trim();
}

/** Splits a command line as a POSIX shell does for plain words, '…' and "…" (no expansions). */
function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`Unclosed ' in: ${text}`);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1] as string)) i++;
        word += text[i];
        i++;
      }
      if (i >= text.length) throw new Error(`Unclosed " in: ${text}`);
      inWord = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      // A pipe into another program ends the command; `a|b|c` (no spaces) takes the first choice.
      if (ch === '|' && !inWord) break;
      if (ch === '|') {
        while (i + 1 < text.length && !/\s/.test(text[i + 1] as string)) i++;
        inWord = true;
        continue;
      }
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Whether a '…' or "…" is still open at the end of the text (as the shell reads it). */
function quoteOpen(text: string): boolean {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote === '"' && ch === '\\') i++;
    else if (quote && ch === quote) quote = null;
    else if (!quote && ch === '\\') i++;
    else if (!quote && (ch === "'" || ch === '"')) quote = ch;
    else if (!quote && ch === '#' && (i === 0 || /\s/.test(text[i - 1] as string))) return false;
  }
  return quote !== null;
}

/** The `npx assay` lines of the fenced code blocks of a markdown text. */
function readmeExamples(markdown: string): Example[] {
  const lines = markdown.split('\n');
  const examples: Example[] = [];
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (/^\s*(```|~~~)/.test(raw)) {
      inFence = !inFence;
      continue;
    }
    if (!inFence || !/^\s*npx assay(\s|$)/.test(raw)) continue;
    const start = i;
    let text = raw.trim();
    // A trailing backslash, or a quote still open (a multi-line SQL string), continues the command.
    while ((text.endsWith('\\') || quoteOpen(text)) && i + 1 < lines.length) {
      text = text.endsWith('\\') ? `${text.slice(0, -1).trimEnd()} ${(lines[++i] as string).trim()}` : `${text}\n${(lines[++i] as string).trim()}`;
    }
    const words = shellWords(stripOptionalAndComments(text));
    examples.push({ line: start + 1, text, args: words.slice(2) });
  }
  return examples;
}

/** An example with its files resolved: outputs in `outDir`, inputs from the repository or earlier outputs. */
interface Planned {
  example: Example;
  args: string[];
  /** Indices of the examples whose outputs this one reads. */
  after: number[];
  /** Files it reads that neither exist nor are written by an earlier example. */
  missing: string[];
}

function planExamples(examples: Example[], outDir: string): Planned[] {
  const writtenBy = new Map<string, number>();
  return examples.map((example, index) => {
    const args: string[] = [];
    const after = new Set<number>();
    const missing: string[] = [];
    const outputs: string[] = [];
    for (let k = 0; k < example.args.length; k++) {
      let arg = example.args[k] as string;
      const previous = example.args[k - 1];
      if (previous === '--rounds' && Number(arg) > MAX_ROUNDS) arg = String(MAX_ROUNDS);
      if (previous !== undefined && OUTPUT_OPTIONS.has(previous) && FILE_LIKE.test(arg)) {
        outputs.push(path.basename(arg));
        args.push(path.join(outDir, path.basename(arg)));
        continue;
      }
      if (!arg.startsWith('-') && FILE_LIKE.test(arg)) {
        const producer = writtenBy.get(path.basename(arg));
        if (producer !== undefined) {
          after.add(producer);
          args.push(path.join(outDir, path.basename(arg)));
        } else if (fs.existsSync(path.resolve(repoRoot, arg))) args.push(path.resolve(repoRoot, arg));
        else {
          missing.push(arg);
          args.push(arg);
        }
        continue;
      }
      args.push(arg);
    }
    for (const name of outputs) writtenBy.set(name, index);
    return { example, args, after: [...after], missing };
  });
}

describe('README examples: the parser', () => {
  it('joins continuations, drops comments and optional parts (keeping --positive), takes the first alternative, respects quotes', () => {
    const md = [
      'text',
      '```bash',
      'npx assay train data.csv --target y --rounds 100 \\',
      "    --param eta=0.1 [--positive yes] [--features a,b] --out model.json   # trains",
      'npm test',
      "npx assay query x.csv --sql \"SELECT 'a#b' AS [c] FROM x\" --where '\"Q\" * 2' [--out r.parquet]",
      'npx assay pack export p.json --target spark|hive|duckdb',
      'npx assay query x.csv --sql "SELECT a',
      '    FROM x" --json | head',
      '```',
      'npx assay outside a fence',
    ].join('\n');
    const examples = readmeExamples(md);
    expect(examples.map((e) => e.line)).toEqual([3, 6, 7, 8]);
    expect(examples[0]?.args).toEqual(['train', 'data.csv', '--target', 'y', '--rounds', '100', '--param', 'eta=0.1', '--positive', 'yes', '--out', 'model.json']);
    expect(examples[1]?.args).toEqual(['query', 'x.csv', '--sql', "SELECT 'a#b' AS [c] FROM x", '--where', '"Q" * 2']);
    expect(examples[2]?.args).toEqual(['pack', 'export', 'p.json', '--target', 'spark']);
    expect(examples[3]?.args).toEqual(['query', 'x.csv', '--sql', 'SELECT a\nFROM x', '--json']);
  });

  it('sends outputs to the temp folder, feeds them to later lines, caps rounds, and names inputs that exist nowhere', () => {
    const examples = readmeExamples(['```', 'npx assay train samples/bank_marketing_uci/bank-additional.csv --rounds 100 --out model.json', 'npx assay predict model.json new_rows.csv --out scored.parquet', '```'].join('\n'));
    const plan = planExamples(examples, '/tmp/out');
    expect(plan[0]?.args).toEqual(['train', path.join(repoRoot, 'samples/bank_marketing_uci/bank-additional.csv'), '--rounds', '10', '--out', '/tmp/out/model.json']);
    expect(plan[1]?.after).toEqual([0]);
    expect(plan[1]?.args.slice(0, 2)).toEqual(['predict', '/tmp/out/model.json']);
    expect(plan[1]?.missing).toEqual(['new_rows.csv']);
  });
});

describe('README examples: every `npx assay` line runs', { timeout: 900_000 }, () => {
  const readme = process.env.ASSAY_README ?? path.join(repoRoot, 'README.md');
  const outDir = tempDir('readme');
  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it('finds the examples, every file they read exists or is written by an earlier line, and each exits 0', async () => {
    const plan = planExamples(readmeExamples(fs.readFileSync(readme, 'utf8')), outDir);
    expect(plan.length).toBeGreaterThan(5);
    const unresolved = plan.filter((p) => p.missing.length > 0).map((p) => `README line ${p.example.line}: ${p.missing.join(', ')} (neither in the repository nor written by an earlier example): ${p.example.text}`);
    const failures: string[] = [...unresolved];
    const done = new Map<number, Promise<boolean>>();
    let running = 0;
    const waiting: Array<() => void> = [];
    const slot = async (): Promise<void> => {
      if (running < CONCURRENCY) {
        running++;
        return;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    };
    const release = (): void => {
      const next = waiting.shift();
      if (next) next();
      else running--;
    };
    plan.forEach((p, index) => {
      done.set(
        index,
        (async () => {
          const ok = (await Promise.all(p.after.map((i) => done.get(i) as Promise<boolean>))).every(Boolean);
          if (p.missing.length > 0) return false;
          if (!ok) {
            failures.push(`README line ${p.example.line}: not run, an example it depends on failed: ${p.example.text}`);
            return false;
          }
          await slot();
          try {
            const r = await runProcess(process.execPath, [path.join(repoRoot, 'bin', 'assay.mjs'), ...p.args], { timeoutMs: 300_000 });
            if (r.code !== 0) failures.push(`README line ${p.example.line} exited ${r.code}: ${p.example.text}\n  ran: assay ${p.args.join(' ')}\n  ${r.stderr.trim().split('\n').slice(-3).join('\n  ')}`);
            return r.code === 0;
          } finally {
            release();
          }
        })(),
      );
    });
    await Promise.all(done.values());
    expect(failures, failures.join('\n\n')).toEqual([]);
  });
});
