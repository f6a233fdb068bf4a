/**
 * Text to hashed n-gram features, once, in the engine. Text is read as UTF-8 bytes straight from
 * Arrow buffers (no row objects, no JS strings per row) or from JS strings (corrections, tests).
 *
 * Normalisation: every code point is lowercased (Unicode rules) and Latin-style accents are
 * removed (NFD, then the combining diacritics U+0300–U+036F dropped: "Crème" -> "creme").
 * Words are runs of letters and digits (\p{L}, \p{N}, and the marks that stay); each Han,
 * Hiragana or Katakana character is a word on its own (those scripts write no spaces).
 *
 * Features: word unigrams, word bigrams, and character 2-, 3- and 4-grams inside each word padded
 * with one space each side (scikit-learn's `char_wb`). Each n-gram is hashed with 32-bit FNV-1a
 * over its code points (a code point is mixed in as one 32-bit value, `h = imul(h ^ cp, 16777619)`),
 * seeded differently per kind (word, bigram, char), then finished with murmur3's fmix32; the
 * feature index is the low `bits` bits (2^20 slots by default). A bigram hashes its two words'
 * hashes. The word part and the character part are each weighted tf·idf and L2-normalised
 * separately, like two scikit-learn TfidfVectorizers side by side.
 */

export const DEFAULT_HASH_BITS = 20;

const FNV_OFFSET = 2166136261;
const FNV_PRIME = 16777619;
const SEED_WORD = 0x2545f491;
const SEED_BIGRAM = 0x9e3779b9;
const SEED_CHAR = 0x85ebca6b;
const SPACE = 32;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Character classes after folding: not part of a word, part of a word, a word on its own. */
const SEPARATOR = 0;
const WORD = 1;
const SOLO = 2;

const WORD_RE = /^[\p{L}\p{N}\p{M}]$/u;
const SOLO_RE = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]$/u;

/** Folded code points of each BMP code point: lowercased, Latin accents removed (lazily filled). */
const bmpFoldStart = new Int32Array(65536).fill(-1);
const bmpFoldLength = new Uint8Array(65536);
const bmpClass = new Uint8Array(65536);
const foldPool: number[] = [];
const astralFold = new Map<number, { cps: number[]; cls: number }>();

function computeFold(cp: number): { cps: number[]; cls: number } {
  const ch = String.fromCodePoint(cp);
  const cls = SOLO_RE.test(ch) ? SOLO : WORD_RE.test(ch) ? WORD : SEPARATOR;
  if (cls === SEPARATOR) return { cps: [], cls };
  // Only Latin-style accents go; other decompositions (Hangul syllables into jamo) are kept whole.
  const lower = ch.toLowerCase();
  const decomposed = lower.normalize('NFD');
  const stripped = decomposed.replace(/[\u0300-\u036f]/g, '');
  const folded = stripped === decomposed ? lower : stripped.normalize('NFC');
  const cps: number[] = [];
  for (const c of folded) cps.push(c.codePointAt(0) as number);
  return { cps, cls };
}

// ASCII at start-up: the fast path every English title takes.
for (let cp = 0; cp < 128; cp++) {
  const isDigit = cp >= 48 && cp <= 57;
  const isUpper = cp >= 65 && cp <= 90;
  const isLower = cp >= 97 && cp <= 122;
  if (isDigit || isUpper || isLower) {
    bmpFoldStart[cp] = foldPool.length;
    foldPool.push(isUpper ? cp + 32 : cp);
    bmpFoldLength[cp] = 1;
    bmpClass[cp] = WORD;
  } else {
    bmpFoldStart[cp] = 0;
    bmpFoldLength[cp] = 0;
    bmpClass[cp] = SEPARATOR;
  }
}

/** ASCII byte -> its folded character, 0 for a separator. */
const ASCII_FOLD = new Uint8Array(128);
for (let cp = 0; cp < 128; cp++) ASCII_FOLD[cp] = bmpClass[cp] === WORD ? (foldPool[bmpFoldStart[cp] as number] as number) : 0;

function ensureBmp(cp: number): void {
  if (bmpFoldStart[cp] !== -1) return;
  const { cps, cls } = computeFold(cp);
  bmpFoldStart[cp] = foldPool.length;
  for (const c of cps) foldPool.push(c);
  bmpFoldLength[cp] = cps.length;
  // A letter that folds to nothing (a lone combining accent) joins the word it sits in.
  bmpClass[cp] = cls;
}

/** The words of one text as folded code points: `cps[wordStart[w] .. wordEnd[w])`. */
export interface WordBuffer {
  cps: Uint32Array;
  wordStart: Int32Array;
  wordEnd: Int32Array;
  words: number;
  length: number;
}

function newWordBuffer(): WordBuffer {
  return { cps: new Uint32Array(256), wordStart: new Int32Array(64), wordEnd: new Int32Array(64), words: 0, length: 0 };
}

/** Splits decoded code points into folded words; call begin(), push() each code point, end(). */
class WordSplitter {
  readonly buffer = newWordBuffer();
  private inWord = false;

  begin(): void {
    this.buffer.words = 0;
    this.buffer.length = 0;
    this.inWord = false;
  }

  private emit(cp: number): void {
    const b = this.buffer;
    if (b.length === b.cps.length) {
      const grown = new Uint32Array(b.cps.length * 2);
      grown.set(b.cps);
      b.cps = grown;
    }
    b.cps[b.length++] = cp;
  }

  private openWord(): void {
    const b = this.buffer;
    if (b.words === b.wordStart.length) {
      const s = new Int32Array(b.words * 2);
      s.set(b.wordStart);
      b.wordStart = s;
      const e = new Int32Array(b.words * 2);
      e.set(b.wordEnd);
      b.wordEnd = e;
    }
    b.wordStart[b.words] = b.length;
    this.inWord = true;
  }

  private closeWord(): void {
    if (!this.inWord) return;
    const b = this.buffer;
    if (b.length > (b.wordStart[b.words] as number)) {
      b.wordEnd[b.words] = b.length;
      b.words++;
    }
    this.inWord = false;
  }

  /**
   * Consumes the run of ASCII bytes from `i` (the common case, without per-character calls);
   * returns where the run ends.
   */
  pushAscii(bytes: Uint8Array, i: number, end: number): number {
    const b = this.buffer;
    if (b.length + (end - i) > b.cps.length) {
      let cap = b.cps.length;
      while (cap < b.length + (end - i)) cap *= 2;
      const grown = new Uint32Array(cap);
      grown.set(b.cps.subarray(0, b.length));
      b.cps = grown;
    }
    const cps = b.cps;
    let length = b.length;
    for (; i < end; i++) {
      const byte = bytes[i] as number;
      if (byte >= 0x80) break;
      const folded = ASCII_FOLD[byte] as number;
      if (folded === 0) {
        if (this.inWord) {
          b.length = length;
          this.closeWord();
        }
        continue;
      }
      if (!this.inWord) {
        b.length = length;
        this.openWord();
      }
      cps[length++] = folded;
    }
    b.length = length;
    return i;
  }

  push(cp: number): void {
    let cls: number;
    let start: number;
    let length: number;
    if (cp < 65536) {
      ensureBmp(cp);
      cls = bmpClass[cp] as number;
      start = bmpFoldStart[cp] as number;
      length = bmpFoldLength[cp] as number;
    } else {
      let entry = astralFold.get(cp);
      if (!entry) {
        entry = computeFold(cp);
        astralFold.set(cp, entry);
      }
      cls = entry.cls;
      if (cls === SEPARATOR) {
        this.closeWord();
        return;
      }
      if (cls === SOLO) this.closeWord();
      if (!this.inWord) this.openWord();
      for (const c of entry.cps) this.emit(c);
      if (cls === SOLO) this.closeWord();
      return;
    }
    if (cls === SEPARATOR) {
      this.closeWord();
      return;
    }
    if (cls === SOLO) this.closeWord();
    if (!this.inWord) this.openWord();
    for (let i = 0; i < length; i++) this.emit(foldPool[start + i] as number);
    if (cls === SOLO) this.closeWord();
  }

  end(): WordBuffer {
    this.closeWord();
    return this.buffer;
  }
}

/**
 * The hashed features of one text, before weighting: feature indices with their counts, word part
 * first (`[0, wordCount)`), then the character part (`[wordCount, count)`), each without duplicates.
 */
export interface RawFeatures {
  index: Int32Array;
  count: Float32Array;
  wordCount: number;
  total: number;
}

/** Turns texts into hashed n-gram counts, reusing its buffers (one instance per job). */
export class Featurizer {
  readonly bits: number;
  private readonly mask: number;
  private readonly splitter = new WordSplitter();
  private readonly out: RawFeatures = { index: new Int32Array(1024), count: new Float32Array(1024), wordCount: 0, total: 0 };
  /** Hashes of the last text's words, in order (`wordHashes[0, words)`): what keyword rules match on. */
  wordHashes = new Int32Array(64);
  words = 0;
  private padded = new Uint32Array(256);
  private seenSlot = new Int32Array(2048);
  private seenAt = new Int32Array(2048);
  private seenStamp = new Uint32Array(2048);
  private stamp = 0;
  /** When set, the folded text of every word hash met is recorded (keyword rules write phrases back as words). */
  wordText: Map<number, string> | null = null;

  constructor(bits = DEFAULT_HASH_BITS) {
    if (!Number.isInteger(bits) || bits < 8 || bits > 24) throw new RangeError(`hash bits must be a whole number from 8 to 24 (got ${bits})`);
    this.bits = bits;
    this.mask = (1 << bits) - 1;
  }

  /** Room for `need` features (grown once per text, so the hot loop never checks). */
  private reserve(need: number): void {
    const out = this.out;
    if (need > out.index.length) {
      let cap = out.index.length;
      while (cap < need) cap *= 2;
      out.index = new Int32Array(cap);
      out.count = new Float32Array(cap);
    }
    if (2 * need > this.seenSlot.length) {
      let cap = this.seenSlot.length;
      while (cap < 2 * need) cap *= 2;
      this.seenSlot = new Int32Array(cap);
      this.seenAt = new Int32Array(cap);
      this.seenStamp = new Uint32Array(cap);
      this.stamp = 0;
    }
  }

  private features(words: WordBuffer): RawFeatures {
    const out = this.out;
    const { cps, wordStart, wordEnd } = words;
    const nWords = words.words;
    // Worst case: a word and a bigram per word, three char n-grams per padded position.
    this.reserve(2 * nWords + 3 * (words.length + 2 * nWords) + 1);
    if (nWords > this.wordHashes.length) {
      let cap = this.wordHashes.length;
      while (cap < nWords) cap *= 2;
      this.wordHashes = new Int32Array(cap);
    }
    if (words.length + 2 * nWords > this.padded.length) this.padded = new Uint32Array(2 * (words.length + 2 * nWords));
    const mask = this.mask;
    const index = out.index;
    const count = out.count;
    // Duplicates inside a text are found in a small open-addressing table that stays in cache
    // (a stamp per entry marks the current part, so it is never cleared).
    const seenSlot = this.seenSlot;
    const seenAt = this.seenAt;
    const seenStamp = this.seenStamp;
    const seenMask = seenSlot.length - 1;
    if (this.stamp > 0xfffffff0) {
      seenStamp.fill(0);
      this.stamp = 0;
    }
    let stamp = ++this.stamp;
    const wordHashes = this.wordHashes;
    let total = 0;
    let previous = 0;
    for (let w = 0; w < nWords; w++) {
      let h = FNV_OFFSET ^ SEED_WORD;
      for (let i = wordStart[w] as number; i < (wordEnd[w] as number); i++) h = Math.imul(h ^ (cps[i] as number), FNV_PRIME);
      wordHashes[w] = h;
      if (this.wordText && !this.wordText.has(h)) this.wordText.set(h, String.fromCodePoint(...cps.subarray(wordStart[w], wordEnd[w])));
      for (let k = 0; k < 2; k++) {
        if (k === 1 && w === 0) break;
        const slot = (k === 0 ? fmix32(h) : fmix32(Math.imul(Math.imul((FNV_OFFSET ^ SEED_BIGRAM) ^ previous, FNV_PRIME) ^ h, FNV_PRIME))) & mask;
        let p = slot & seenMask;
        for (;;) {
          if (seenStamp[p] !== stamp) {
            seenStamp[p] = stamp;
            seenSlot[p] = slot;
            seenAt[p] = total;
            index[total] = slot;
            count[total++] = 1;
            break;
          }
          if (seenSlot[p] === slot) {
            const at = seenAt[p] as number;
            count[at] = (count[at] as number) + 1;
            break;
          }
          p = (p + 1) & seenMask;
        }
      }
      previous = h;
    }
    this.words = nWords;
    out.wordCount = total;
    stamp = ++this.stamp;
    const padded = this.padded;
    for (let w = 0; w < nWords; w++) {
      // The word padded with a space each side (char_wb).
      const start = wordStart[w] as number;
      const length = (wordEnd[w] as number) - start + 2;
      padded[0] = SPACE;
      for (let i = 1; i < length - 1; i++) padded[i] = cps[start + i - 1] as number;
      padded[length - 1] = SPACE;
      for (let i = 0; i < length - 1; i++) {
        let h = Math.imul((FNV_OFFSET ^ SEED_CHAR) ^ (padded[i] as number), FNV_PRIME);
        const last = Math.min(length, i + 4);
        for (let j = i + 1; j < last; j++) {
          h = Math.imul(h ^ (padded[j] as number), FNV_PRIME);
          const slot = fmix32(h) & mask;
          let p = slot & seenMask;
          for (;;) {
            if (seenStamp[p] !== stamp) {
              seenStamp[p] = stamp;
              seenSlot[p] = slot;
              seenAt[p] = total;
              index[total] = slot;
              count[total++] = 1;
              break;
            }
            if (seenSlot[p] === slot) {
              const at = seenAt[p] as number;
              count[at] = (count[at] as number) + 1;
              break;
            }
            p = (p + 1) & seenMask;
          }
        }
      }
    }
    out.total = total;
    return out;
  }

  /** Features of a JS string (valid for the next call only). */
  ofString(text: string): RawFeatures {
    const s = this.splitter;
    s.begin();
    for (let i = 0; i < text.length; i++) {
      let cp = text.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
        const lo = text.charCodeAt(i + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          i++;
        }
      }
      s.push(cp);
    }
    return this.features(s.end());
  }

  /** Features of UTF-8 bytes `bytes[start, end)`; a malformed sequence counts as a separator. */
  ofUtf8(bytes: Uint8Array, start: number, end: number): RawFeatures {
    const s = this.splitter;
    s.begin();
    let i = start;
    while (i < end) {
      const b0 = bytes[i] as number;
      if (b0 < 0x80) {
        i = s.pushAscii(bytes, i, end);
        continue;
      }
      let need: number;
      let cp: number;
      if (b0 >= 0xf0 && b0 < 0xf8) {
        need = 3;
        cp = b0 & 0x07;
      } else if (b0 >= 0xe0) {
        need = 2;
        cp = b0 & 0x0f;
      } else if (b0 >= 0xc0) {
        need = 1;
        cp = b0 & 0x1f;
      } else {
        s.push(SPACE);
        i++;
        continue;
      }
      if (i + need >= end) {
        // A sequence cut off by the end of the text.
        s.push(SPACE);
        i = end;
        continue;
      }
      let ok = true;
      for (let k = 1; k <= need; k++) {
        const b = bytes[i + k] as number;
        if ((b & 0xc0) !== 0x80) {
          ok = false;
          break;
        }
        cp = (cp << 6) | (b & 0x3f);
      }
      if (!ok || cp > 0x10ffff) {
        s.push(SPACE);
        i++;
        continue;
      }
      s.push(cp);
      i += need + 1;
    }
    return this.features(s.end());
  }

  /** The folded words of a text, for tests and the docs (what the model "sees"). */
  wordsOf(text: string): string[] {
    this.ofString(text);
    const b = this.splitter.buffer;
    const words: string[] = [];
    for (let w = 0; w < b.words; w++) words.push(String.fromCodePoint(...b.cps.subarray(b.wordStart[w], b.wordEnd[w])));
    return words;
  }
}
