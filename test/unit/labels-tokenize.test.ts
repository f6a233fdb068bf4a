/** The labels tokenizer: Unicode folding, word splitting, hashed n-grams, UTF-8 bytes vs strings. */
import { describe, expect, it } from 'vitest';
import { Utf8, vectorFromArray } from 'apache-arrow';
import { forEachText } from '../../workers/labels/features';
import { Featurizer, type RawFeatures } from '../../workers/labels/tokenize';

function snapshot(f: RawFeatures): Array<[number, number, 'w' | 'c']> {
  const out: Array<[number, number, 'w' | 'c']> = [];
  for (let i = 0; i < f.total; i++) out.push([f.index[i] as number, f.count[i] as number, i < f.wordCount ? 'w' : 'c']);
  return out.sort((a, b) => a[0] - b[0] || a[2].localeCompare(b[2]));
}

/** The hash the module documents, written out again: FNV-1a over code points, then murmur3's fmix32. */
function documentedSlot(seed: number, codePoints: number[], bits: number): number {
  let h = 2166136261 ^ seed;
  for (const cp of codePoints) h = Math.imul(h ^ cp, 16777619);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) & ((1 << bits) - 1);
}

describe('labels tokenizer', () => {
  const f = new Featurizer();

  it('lowercases, removes Latin accents and splits on anything but letters and digits', () => {
    expect(f.wordsOf('Crème Brûlée, 2-Pack!')).toEqual(['creme', 'brulee', '2', 'pack']);
    expect(f.wordsOf('ÉCOLE naïve CAFÉ')).toEqual(['ecole', 'naive', 'cafe']);
    expect(f.wordsOf('ΣΟΦΙΑ Москва Straße')).toEqual(['σοφια', 'москва', 'straße']);
    expect(f.wordsOf("WHITE HANGING HEART T-LIGHT HOLDER")).toEqual(['white', 'hanging', 'heart', 't', 'light', 'holder']);
  });

  it('makes every Han, Hiragana and Katakana character a word of its own', () => {
    expect(f.wordsOf('抹茶ラテ 250ml')).toEqual(['抹', '茶', 'ラ', 'テ', '250ml']);
    expect(f.wordsOf('LED照明ライト')).toEqual(['led', '照', '明', 'ラ', 'イ', 'ト']);
    // Hangul writes spaces: a Korean word stays one word.
    expect(f.wordsOf('김치 찌개')).toEqual(['김치', '찌개']);
  });

  it('gives no feature for empty, blank or punctuation-only texts', () => {
    for (const text of ['', '   ', '\t\n', '---', '!!! ...', '\u200b']) expect(f.ofString(text).total, JSON.stringify(text)).toBe(0);
  });

  it('hashes words as documented (FNV-1a over code points, fmix32, low bits)', () => {
    const features = snapshot(f.ofString('Mug'));
    const wordSlot = documentedSlot(0x2545f491, [...'mug'].map((c) => c.codePointAt(0) as number), f.bits);
    expect(features.filter((x) => x[2] === 'w')).toEqual([[wordSlot, 1, 'w']]);
    // char_wb 2-4-grams of " mug ": " m", "mu", "ug", "g ", " mu", "mug", "ug ", " mug", "mug ".
    const grams = [' m', 'mu', 'ug', 'g ', ' mu', 'mug', 'ug ', ' mug', 'mug '];
    const charSlots = grams.map((g) => documentedSlot(0x85ebca6b, [...g].map((c) => c.codePointAt(0) as number), f.bits)).sort((a, b) => a - b);
    expect(features.filter((x) => x[2] === 'c').map((x) => x[0])).toEqual([...new Set(charSlots)].sort((a, b) => a - b));
  });

  it('counts repeated n-grams once per text with their count', () => {
    const features = f.ofString('mug mug mug');
    const words = snapshot(features).filter((x) => x[2] === 'w');
    // "mug" three times and the bigram "mug mug" twice.
    expect(words.map((x) => x[1]).sort()).toEqual([2, 3]);
  });

  it('reads UTF-8 bytes exactly as it reads the same string', () => {
    const encoder = new TextEncoder();
    const texts = ['Crème Brûlée 2-Pack', '抹茶ラテ 250ml', 'party 🎉 balloons', 'Ünïcödé ŞİŞLİ', 'x'.repeat(300), 'a\u0301b (combining accent)'];
    for (const text of texts) {
      const bytes = encoder.encode(`##${text}##`);
      const fromString = snapshot(new Featurizer().ofString(text));
      expect(snapshot(f.ofUtf8(bytes, 2, bytes.length - 2)), text).toEqual(fromString);
    }
  });

  it('treats malformed UTF-8 as a separator, never throws', () => {
    const bytes = new Uint8Array([0x61, 0x62, 0xff, 0x63, 0x64, 0x20, 0xc3, 0x28, 0x65, 0xe2, 0x82]);
    f.ofUtf8(bytes, 0, bytes.length);
    const words: string[] = [];
    const probe = new Featurizer();
    probe.wordText = new Map();
    probe.ofUtf8(bytes, 0, bytes.length);
    for (let w = 0; w < probe.words; w++) words.push(probe.wordText.get(probe.wordHashes[w] as number) as string);
    expect(words).toEqual(['ab', 'cd', 'e']);
  });

  it('handles a 10,000-character text quickly and with bounded features', () => {
    const long = Array.from({ length: 2000 }, (_, i) => `w${i % 500}`).join(' ').slice(0, 10_000);
    const started = performance.now();
    const features = f.ofString(long);
    // Generous for a slow, busy CI machine (about 10 ms here): a quadratic n-gram pass takes seconds.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(features.total).toBeGreaterThan(500);
    expect(features.total).toBeLessThan(40_000);
  });

  it('reads a sliced Arrow text vector at the slice, as strings read it', () => {
    const sliced = vectorFromArray(['red teapot', 'green mug', 'blue bowl', 'tea cup', 'spoon'], new Utf8()).slice(2);
    const seen: Array<Array<[number, number, 'w' | 'c']>> = [];
    forEachText(sliced, new Featurizer(), (features) => seen.push(features ? snapshot(features) : []));
    expect(seen).toEqual(['blue bowl', 'tea cup', 'spoon'].map((t) => snapshot(new Featurizer().ofString(t))));
  });

  it('is deterministic across instances', () => {
    const a = snapshot(new Featurizer().ofString('Vintage Red Teapot 1L'));
    const b = snapshot(new Featurizer().ofString('Vintage Red Teapot 1L'));
    expect(a).toEqual(b);
  });
});
