/**
 * The text predicates' regexes under java.util.regex, the engine of Spark RLIKE, Hive RLIKE and
 * Flink REGEXP: for hostile texts (case folds, CJK, marks, quotes, newlines), Java finds a match
 * exactly where the JS evaluator does, for CONTAINS WORD / PHRASE and for `(?i)` MATCHES.
 * Skipped, with the reason, when no `java` is on the PATH.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRegex } from '../../workers/tags/regex';
import { portableRegex, textArgumentProblem, textMatchPattern } from '../../workers/tags/text-match';
import { tempDir } from '../helpers/paths';

const haveJava = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;

/** Reads hex-encoded UTF-8 patterns and texts, prints one line of 0/1 per pattern (Matcher.find). */
const CHECK_JAVA = `
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.regex.*;
public class Check {
  static String hex(String h) {
    byte[] b = new byte[h.length() / 2];
    for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
    return new String(b, StandardCharsets.UTF_8);
  }
  public static void main(String[] args) throws Exception {
    List<String> patterns = Files.readAllLines(Paths.get(args[0]));
    List<String> texts = Files.readAllLines(Paths.get(args[1]));
    StringBuilder out = new StringBuilder();
    for (String p : patterns) {
      Pattern re = Pattern.compile(hex(p));
      for (String t : texts) out.append(re.matcher(hex(t)).find() ? '1' : '0');
      out.append('\\n');
    }
    System.out.print(out);
  }
}`;

const hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex');

const ATOMS = ['mug', 'MUG', 'Mug', 'tea', 'cup', 'Tea-Cup', ' ', '\n', "'", '"', '\\', 'Σ', 'ς', 'σ', 'ΟΔΟΣ', '\u212A', 'k', 'ſ', 's', 'İ', 'ı', 'i', '马', '克', '杯', 'カップ', 'e\u0301', 'é', '\u0661', '·', '、', '😀', '_', '1'];
const ARGS = ['mug', 'MUG', 'tea cup', 'Σ', 'οδος', 'k', 'S', 'i', '马克', '杯', 'カ', 'e\u0301', '\u0661', 'mug 杯'];
const REGEXES = ['(?i)mug', '(?i)^tea', '(?i)[a-c]+p', '(?i)[^a-z]', '(?i)σ', '(?i)\\x4B', '(?i)s$', '(?i)(?:TEA|mug)\\W'];

function texts(): string[] {
  // Every atom alone, and seeded combinations of three.
  const out = [...ATOMS];
  let state = 12345;
  for (let k = 0; k < 300; k++) {
    let t = '';
    for (let j = 0; j < 3; j++) {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      t += ATOMS[state % ATOMS.length];
    }
    out.push(t);
  }
  return out;
}

describe('text predicates under java.util.regex (Spark, Hive, Flink)', () => {
  it.skipIf(!haveJava)('match exactly where the JS evaluator does (skipped without java on the PATH)', () => {
    const patterns: Array<{ name: string; source: string; js: RegExp }> = [];
    for (const arg of ARGS) {
      for (const mode of ['word', 'phrase'] as const) {
        if (textArgumentProblem(mode, arg) !== null) continue;
        const source = textMatchPattern(mode, arg);
        patterns.push({ name: `${mode} ${arg}`, source, js: new RegExp(source, 'u') });
      }
    }
    for (const r of REGEXES) patterns.push({ name: `matches ${r}`, source: portableRegex(r), js: compileRegex(r) });
    const all = texts();
    const dir = tempDir('tags-text-java');
    fs.writeFileSync(path.join(dir, 'Check.java'), CHECK_JAVA);
    fs.writeFileSync(path.join(dir, 'patterns.txt'), patterns.map((p) => hex(p.source)).join('\n'));
    fs.writeFileSync(path.join(dir, 'texts.txt'), all.map(hex).join('\n'));
    const output = execFileSync('java', [path.join(dir, 'Check.java'), path.join(dir, 'patterns.txt'), path.join(dir, 'texts.txt')], { encoding: 'utf8' }).split('\n');
    let hits = 0;
    patterns.forEach((p, k) => {
      const js = all.map((t) => (p.js.test(t) ? '1' : '0')).join('');
      hits += [...js].filter((c) => c === '1').length;
      const java = output[k] ?? '';
      const differ = all.filter((_, i) => js[i] !== java[i]);
      expect(differ, `${p.name}: ${p.source}`).toEqual([]);
    });
    // Both outcomes are exercised.
    expect(hits).toBeGreaterThan(200);
    expect(hits).toBeLessThan(patterns.length * all.length * 0.8);
  }, 30_000);
});
