/**
 * Label values as people name them. DuckDB's CSV sniffer reads a column of yes/no (or y/n, t/f,
 * true/false) as BOOLEAN, and 1/0 as a number, so the values the engine sees ("true", "1") are
 * not the ones in the file ("yes"). Wherever a positive class is named (training, evaluation, tag
 * mining and measuring, packs), the name is matched here against the values DuckDB reads, so the
 * value as the file writes it is always accepted.
 */

/** Spellings of true and false, lower case: a value's polarity is what it means, whatever its case. */
const TRUE_WORDS = ['yes', 'y', 'true', 't', '1'] as const;
const FALSE_WORDS = ['no', 'n', 'false', 'f', '0'] as const;

/** The words that name true (or false) in a yes/no column, for messages. */
export const BOOLEAN_SPELLINGS = `${TRUE_WORDS.join('/')} or ${FALSE_WORDS.join('/')}`;

/** Words that also say "this is the positive class" when a two-valued text label uses them. */
const POSITIVE_HINTS = new Set(['positive', 'pos']);
const NEGATIVE_HINTS = new Set(['negative', 'neg']);

/** True for yes/y/true/t/1 (and 1.0), false for no/n/false/f/0 (and 0.0), in any case; undefined otherwise. */
export function booleanPolarity(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if ((TRUE_WORDS as readonly string[]).includes(v) || /^1(\.0+)?$/.test(v)) return true;
  if ((FALSE_WORDS as readonly string[]).includes(v) || /^0(\.0+)?$/.test(v)) return false;
  return undefined;
}

/** The other spelling of the same pair in the same letter case: yes → no, Y → N, True → False, 1 → 0. */
export function oppositeSpelling(value: string): string | undefined {
  const v = value.trim();
  const lower = v.toLowerCase();
  const at = (TRUE_WORDS as readonly string[]).indexOf(lower);
  const atFalse = (FALSE_WORDS as readonly string[]).indexOf(lower);
  const other = at >= 0 ? FALSE_WORDS[at] : atFalse >= 0 ? TRUE_WORDS[atFalse] : undefined;
  if (other === undefined) return undefined;
  if (v === v.toUpperCase() && v !== v.toLowerCase()) return other.toUpperCase();
  if (v[0] === v[0]?.toUpperCase() && v !== v.toLowerCase()) return other[0]?.toUpperCase() + other.slice(1);
  return other;
}

/** A label value: as DuckDB reads it (`CAST(col AS VARCHAR)`, for SQL), and as it is shown and recorded. */
export interface LabelValue {
  /** The value as the engine reads it: what SQL compares `CAST(column AS VARCHAR)` with. */
  read: string;
  /** The value as the user (and the file) names it: "yes" on a yes/no column DuckDB reads as BOOLEAN. */
  named: string;
}

/**
 * Finds a named value among a column's values (as `CAST(col AS VARCHAR)` gives them):
 * 1. the exact value;
 * 2. the one value equal to it ignoring case ("Yes" for "yes");
 * 3. on a yes/no-like column (every value is one of yes/y/true/t/1 or no/n/false/f/0, each meaning
 *    held by one value), the value of the same meaning: "yes" names "true" on a BOOLEAN column and
 *    "1" on a 0/1 column, "true" names "Y" on a Y/N column.
 * `booleanColumn`: DuckDB typed the column BOOLEAN, so the file spelled it in a way only the user
 * knows; then the name the user gave is what is recorded. Elsewhere the column's own value is.
 */
export function findLabelValue(name: string, values: readonly string[], booleanColumn: boolean): LabelValue | undefined {
  if (values.includes(name)) return { read: name, named: name };
  const folded = values.filter((v) => v.toLowerCase() === name.trim().toLowerCase());
  if (folded.length === 1) {
    const read = folded[0] as string;
    return { read, named: booleanColumn ? name.trim() : read };
  }
  const wanted = booleanPolarity(name);
  if (wanted === undefined) return undefined;
  const polarities = values.map(booleanPolarity);
  if (polarities.some((p) => p === undefined)) return undefined;
  const same = values.filter((_, i) => polarities[i] === wanted);
  if (same.length !== 1) return undefined;
  const read = same[0] as string;
  return { read, named: booleanColumn ? name.trim() : read };
}

/**
 * The other class of a two-valued label, named in the same spelling as the positive one: with
 * positive "yes" on a BOOLEAN column the negative is "no", not "false".
 */
export function otherLabelValue(positive: LabelValue, values: readonly string[]): LabelValue | undefined {
  const read = values.find((v) => v !== positive.read);
  if (read === undefined) return undefined;
  if (positive.named === positive.read) return { read, named: read };
  const opposite = oppositeSpelling(positive.named);
  return { read, named: opposite !== undefined && booleanPolarity(opposite) === booleanPolarity(read) ? opposite : read };
}

/**
 * The positive class of a two-valued label when nobody named it: "true" for a BOOLEAN column, else
 * the value that says yes (yes/y/true/t/1/positive/pos) when the other says no. Undefined when the
 * values do not tell.
 */
export function guessPositiveValue(values: readonly string[], booleanColumn: boolean): LabelValue | undefined {
  if (values.length !== 2) return undefined;
  if (booleanColumn && values.includes('true')) return { read: 'true', named: 'true' };
  const says = (v: string): boolean | undefined => booleanPolarity(v) ?? (POSITIVE_HINTS.has(v.toLowerCase()) ? true : NEGATIVE_HINTS.has(v.toLowerCase()) ? false : undefined);
  const [a, b] = values as [string, string];
  if (says(a) === true && says(b) === false) return { read: a, named: a };
  if (says(b) === true && says(a) === false) return { read: b, named: b };
  return undefined;
}

/**
 * "false and true" / "a, b, c, ..." for messages, with a word on how to name the values of a
 * yes/no column that DuckDB read as BOOLEAN.
 */
export function describeLabelValues(values: readonly string[], booleanColumn: boolean, limit = 8): string {
  const shown = values.slice(0, limit);
  const list = shown.length === 2 && values.length === 2 ? `${shown[0]} and ${shown[1]}` : `${shown.join(', ')}${values.length > limit ? ', ...' : ''}`;
  return booleanColumn ? `${list}: the column was read as yes/no (BOOLEAN), so ${BOOLEAN_SPELLINGS} name its values` : list;
}
