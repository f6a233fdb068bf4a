/**
 * The bitset evaluator of rule nodes: every node yields the rows where it is TRUE and the rows
 * where it is FALSE (rows in neither are NULL); leaves fill them with the kernels, AND/OR/NOT are
 * word operations, and the buffers come from the ColumnStore's pool.
 */
import { EngineError } from '../protocol/errors';
import type { ComparisonOp, RuleExpr, RuleLiteral } from './ast';
import type { Bits } from './bitsets';
import { numbersOf, rowsByCode, type ColumnData, type ColumnStore } from './evaluate-columns';
import { betweenKernel, columnsKernel, compareCodePoints, compareNumbers, holds, inKernel, numberKernel, OUTCOMES } from './evaluate-kernels';
import { compileLike, compileRegex } from './regex';
import { compileTextMatch } from './text-match';
import { parseTemporalLiteral, type ColumnKind } from './rule-types';

/** A node's three-valued result: the rows where it is TRUE and where it is FALSE; the rest are NULL. */
export interface Tri {
  t: Bits;
  f: Bits;
}

/** Dictionaries up to this size keep one bitset per value, so a text condition is a few word ORs. */
const BITSETS_PER_VALUE_UP_TO = 64;

/** A literal as a number on the column's scale (numbers, booleans 0/1, dates in microseconds). */
function literalNumber(lit: RuleLiteral, kind: ColumnKind): number {
  if (lit.kind === 'number') return lit.value;
  if (lit.kind === 'boolean') return lit.value ? 1 : 0;
  if (lit.kind === 'string' && (kind === 'date' || kind === 'timestamp')) return parseTemporalLiteral(lit.value, kind) as number;
  throw new EngineError('INTERNAL', 'A literal reached the evaluator with the wrong type.');
}

/** Runs rule nodes over one table's columns. Every Tri it returns is the caller's to release. */
export class Evaluator {
  private readonly words: number;

  constructor(private readonly store: ColumnStore) {
    this.words = store.words;
  }

  release(r: Tri): void {
    this.store.release(r.t);
    this.store.release(r.f);
  }

  /** TRUE on `yes` rows, FALSE on `no` rows (callers pass disjoint row sets). */
  private fromSets(yes: Bits | null, no: Bits | null): Tri {
    const t = this.store.acquire();
    const f = this.store.acquire();
    if (yes) t.set(yes);
    else t.fill(0);
    if (no) f.set(no);
    else f.fill(0);
    return { t, f };
  }

  /** From bits where a test holds (garbage outside `valid`): TRUE where it holds, FALSE where not, NULL where invalid. `falseAsNull` turns the FALSE rows into NULL (IN lists holding NULL). */
  private fromTest(test: Bits, valid: Bits, falseAsNull = false): Tri {
    const f = this.store.acquire();
    for (let w = 0; w < this.words; w++) {
      const v = valid[w] as number;
      const x = test[w] as number;
      f[w] = falseAsNull ? 0 : ~x & v;
      test[w] = x & v;
    }
    return { t: test, f };
  }

  /**
   * A text condition decided once per distinct value: `decide` gives TRUE (1), FALSE (0) or NULL (2)
   * for a value, and the rows follow their value's verdict (rows without a value are NULL).
   */
  private perString(c: Extract<ColumnData, { kind: 'string' }>, decide: (s: string) => number): Tri {
    const n = c.dict.length;
    const isTrue = new Uint8Array(n + 1);
    const isFalse = new Uint8Array(n + 1);
    let trues = 0;
    let falses = 0;
    for (let k = 0; k < n; k++) {
      const d = decide(c.dict[k] as string);
      if (d === 1) {
        isTrue[k] = 1;
        trues++;
      } else if (d === 0) {
        isFalse[k] = 1;
        falses++;
      }
    }
    if (trues === 0 && falses === 0) return this.fromSets(null, null);
    if (trues === n) return this.fromSets(c.valid, null);
    if (falses === n) return this.fromSets(null, c.valid);
    const rows = this.store.rows;
    const t = this.store.acquire();
    const f = this.store.acquire();
    if (n <= BITSETS_PER_VALUE_UP_TO) {
      const byCode = rowsByCode(c, rows, this.words);
      // Without NULL verdicts one side is the complement of the other within valid rows: OR the smaller side's values.
      const complement = trues + falses === n;
      const orTrues = !complement || trues <= falses;
      const orFalses = !complement || !orTrues;
      t.fill(0);
      f.fill(0);
      for (let k = 0; k < n; k++) {
        const target = isTrue[k] && orTrues ? t : isFalse[k] && orFalses ? f : null;
        if (!target) continue;
        const bits = byCode[k] as Bits;
        for (let w = 0; w < this.words; w++) target[w] = (target[w] as number) | (bits[w] as number);
      }
      if (complement) {
        const [done, other] = orTrues ? [t, f] : [f, t];
        for (let w = 0; w < this.words; w++) other[w] = ~(done[w] as number) & (c.valid[w] as number);
      }
      return { t, f };
    }
    const codes = c.codes;
    for (let w = 0; w < this.words; w++) {
      const base = w << 5;
      let bt = 0;
      let bf = 0;
      for (let j = Math.min(32, rows - base) - 1; j >= 0; j--) {
        const code = codes[base + j] as number;
        bt = (bt << 1) | (isTrue[code] as number);
        bf = (bf << 1) | (isFalse[code] as number);
      }
      t[w] = bt;
      f[w] = bf;
    }
    return { t, f };
  }

  /** A boolean condition decided for FALSE and for TRUE values: `decide(0)`, `decide(1)` as in perString. */
  private perBoolean(c: Extract<ColumnData, { kind: 'boolean' }>, decide: (v: number) => number): Tri {
    const onFalse = decide(0);
    const onTrue = decide(1);
    const t = this.store.acquire();
    const f = this.store.acquire();
    const maskOf = (d: number, want: number): number => (d === want ? 0xffffffff : 0);
    const tOnTrue = maskOf(onTrue, 1);
    const tOnFalse = maskOf(onFalse, 1);
    const fOnTrue = maskOf(onTrue, 0);
    const fOnFalse = maskOf(onFalse, 0);
    for (let w = 0; w < this.words; w++) {
      const v = c.valid[w] as number;
      const b = c.bits[w] as number;
      const nb = ~b & v;
      t[w] = (b & tOnTrue) | (nb & tOnFalse);
      f[w] = (b & fOnTrue) | (nb & fOnFalse);
    }
    return { t, f };
  }

  private compareLiteral(name: string, op: ComparisonOp, lit: RuleLiteral): Tri {
    if (lit.kind === 'null') return this.fromSets(null, null);
    const c = this.store.column(name);
    switch (c.kind) {
      case 'string': {
        const v = lit.value as string;
        return this.perString(c, (s) => +holds(op, compareCodePoints(s, v)));
      }
      case 'boolean': {
        const v = literalNumber(lit, 'boolean');
        return this.perBoolean(c, (x) => +holds(op, compareNumbers(x, v)));
      }
      case 'other':
        throw new EngineError('INTERNAL', `"${name}" cannot be compared.`);
      default: {
        const test = this.store.acquire();
        numberKernel(c.values, this.store.rows, op, literalNumber(lit, c.kind), test);
        return this.fromTest(test, c.valid);
      }
    }
  }

  /** Text columns compared by rank: both dictionaries are ranked together once, then rows compare integers. */
  private compareColumns(left: string, op: ComparisonOp, right: string): Tri {
    const a = this.store.column(left);
    const b = this.store.column(right);
    const rows = this.store.rows;
    const valid = this.store.acquire();
    for (let w = 0; w < this.words; w++) valid[w] = (a.valid[w] as number) & (b.valid[w] as number);
    const test = this.store.acquire();
    const outcomes = OUTCOMES[op];
    if (a.kind === 'string' && b.kind === 'string') {
      const all = [...new Set([...a.dict, ...b.dict])].sort(compareCodePoints);
      const rank = new Map(all.map((s, k) => [s, k]));
      const ra = Int32Array.from([...a.dict.map((s) => rank.get(s) as number), 0]);
      const rb = Int32Array.from([...b.dict.map((s) => rank.get(s) as number), 0]);
      for (let w = 0; w < this.words; w++) {
        const base = w << 5;
        let bits = 0;
        for (let j = Math.min(32, rows - base) - 1; j >= 0; j--) {
          const x = ra[a.codes[base + j] as number] as number;
          const y = rb[b.codes[base + j] as number] as number;
          bits = (bits << 1) | ((outcomes >> (x < y ? 0 : x === y ? 1 : 2)) & 1);
        }
        test[w] = bits;
      }
    } else if (a.kind !== 'string' && a.kind !== 'other' && b.kind !== 'string' && b.kind !== 'other') {
      const xs = numbersOf(a, rows);
      const ys = numbersOf(b, rows);
      if (!(a.kind !== 'boolean' && a.hasNaN) && !(b.kind !== 'boolean' && b.hasNaN)) columnsKernel(xs, ys, rows, op, test);
      else for (let w = 0; w < this.words; w++) {
        const base = w << 5;
        let bits = 0;
        for (let j = Math.min(32, rows - base) - 1; j >= 0; j--) {
          bits = (bits << 1) | ((outcomes >> (compareNumbers(xs[base + j] as number, ys[base + j] as number) + 1)) & 1);
        }
        test[w] = bits;
      }
    } else {
      throw new EngineError('INTERNAL', `"${left}" and "${right}" cannot be compared.`);
    }
    const r = this.fromTest(test, valid);
    this.store.release(valid);
    return r;
  }

  private inList(name: string, values: RuleLiteral[]): Tri {
    const c = this.store.column(name);
    // `x IN (..., NULL)` is NULL, not FALSE, where x matches none of the other values.
    const miss = values.some((v) => v.kind === 'null') ? 2 : 0;
    const present = values.filter((v) => v.kind !== 'null');
    switch (c.kind) {
      case 'string': {
        const set = new Set(present.map((v) => v.value as string));
        return this.perString(c, (s) => (set.has(s) ? 1 : miss));
      }
      case 'boolean': {
        const set = new Set(present.map((v) => literalNumber(v, 'boolean')));
        return this.perBoolean(c, (x) => (set.has(x) ? 1 : miss));
      }
      case 'other':
        throw new EngineError('INTERNAL', `"${name}" cannot be used in IN.`);
      default: {
        if (present.length === 0) return this.fromSets(null, null);
        const test = this.store.acquire();
        inKernel(c.values, this.store.rows, present.map((v) => literalNumber(v, c.kind)), test);
        return this.fromTest(test, c.valid, miss === 2);
      }
    }
  }

  private between(name: string, low: RuleLiteral, high: RuleLiteral): Tri {
    const c = this.store.column(name);
    if (low.kind !== 'null' && high.kind !== 'null' && (c.kind === 'number' || c.kind === 'date' || c.kind === 'timestamp')) {
      const test = this.store.acquire();
      betweenKernel(c.values, this.store.rows, literalNumber(low, c.kind), literalNumber(high, c.kind), test);
      return this.fromTest(test, c.valid);
    }
    // NULL bounds, text and booleans: x >= low AND x <= high, in three-valued logic.
    const r = this.compareLiteral(name, '>=', low);
    const s = this.compareLiteral(name, '<=', high);
    this.andInto(r, s);
    this.release(s);
    return r;
  }

  private andInto(r: Tri, s: Tri): void {
    const { t, f } = r;
    for (let w = 0; w < this.words; w++) {
      t[w] = (t[w] as number) & (s.t[w] as number);
      f[w] = (f[w] as number) | (s.f[w] as number);
    }
  }

  private orInto(r: Tri, s: Tri): void {
    const { t, f } = r;
    for (let w = 0; w < this.words; w++) {
      t[w] = (t[w] as number) | (s.t[w] as number);
      f[w] = (f[w] as number) & (s.f[w] as number);
    }
  }

  run(e: RuleExpr): Tri {
    switch (e.type) {
      case 'and':
      case 'or': {
        if (e.args.length === 0) return e.type === 'and' ? this.fromSets(this.store.all, null) : this.fromSets(null, this.store.all);
        const r = this.run(e.args[0] as RuleExpr);
        for (let k = 1; k < e.args.length; k++) {
          const s = this.run(e.args[k] as RuleExpr);
          if (e.type === 'and') this.andInto(r, s);
          else this.orInto(r, s);
          this.release(s);
        }
        return r;
      }
      case 'not': {
        const r = this.run(e.arg);
        return { t: r.f, f: r.t };
      }
      case 'literal':
        return e.value ? this.fromSets(this.store.all, null) : this.fromSets(null, this.store.all);
      case 'compare':
        return e.right.kind === 'column' ? this.compareColumns(e.left.name, e.op, e.right.name) : this.compareLiteral(e.left.name, e.op, e.right);
      case 'in': {
        const r = this.inList(e.column.name, e.values);
        return e.negated ? { t: r.f, f: r.t } : r;
      }
      case 'between': {
        const r = this.between(e.column.name, e.low, e.high);
        return e.negated ? { t: r.f, f: r.t } : r;
      }
      case 'isNull': {
        const valid = this.store.column(e.column.name).valid;
        const present = this.store.acquire();
        const missing = this.store.acquire();
        present.set(valid);
        for (let w = 0; w < this.words; w++) missing[w] = ~(valid[w] as number) & (this.store.all[w] as number);
        return e.negated ? { t: present, f: missing } : { t: missing, f: present };
      }
      case 'like':
      case 'regex':
      case 'contains': {
        const c = this.store.column(e.column.name);
        if (c.kind !== 'string') throw new EngineError('INTERNAL', `"${e.column.name}" is not text.`);
        const re = e.type === 'like' ? compileLike(e.pattern) : e.type === 'regex' ? compileRegex(e.pattern) : compileTextMatch(e.mode, e.text);
        const yes = e.negated ? 0 : 1;
        return this.perString(c, (s) => (re.test(s) ? yes : 1 - yes));
      }
      case 'column': {
        const c = this.store.column(e.column.name);
        if (c.kind !== 'boolean') throw new EngineError('INTERNAL', `"${e.column.name}" is not boolean.`);
        return this.perBoolean(c, (x) => x);
      }
    }
  }
}
