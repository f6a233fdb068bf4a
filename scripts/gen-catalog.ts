/**
 * Synthetic product catalogue for the labels area, deterministic for a seed: titles made of a
 * brand, adjectives, a product noun, a size, and sometimes a French or Japanese word, with a
 * category label. Some nouns belong to two categories (the rest of the title tells which) and 2%
 * of labels are noise, so a classifier has something to learn but not everything.
 *
 *   npm run gen -- catalog --rows N [--seed S] [--out FILE.csv]
 *
 * Columns: product_id, title, category.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Category -> its own nouns, and hint words that push a shared noun to it. */
const CATEGORIES: Record<string, { nouns: string[]; hints: string[] }> = {
  kitchen: { nouns: ['mug', 'teapot', 'spatula', 'colander', 'whisk', 'saucepan'], hints: ['ceramic', 'non-stick', 'dishwasher-safe'] },
  garden: { nouns: ['trowel', 'planter', 'hose', 'birdhouse', 'rake', 'seed tray'], hints: ['outdoor', 'weatherproof', 'terracotta'] },
  toys: { nouns: ['puzzle', 'teddy bear', 'yo-yo', 'kite', 'doll', 'building blocks'], hints: ['kids', 'educational', 'plush'] },
  stationery: { nouns: ['notebook', 'pencil case', 'stapler', 'envelope', 'sticky notes', 'fountain pen'], hints: ['a5', 'ruled', 'refillable'] },
  lighting: { nouns: ['lantern', 'lampshade', 't-light holder', 'fairy lights', 'desk lamp', 'bulb'], hints: ['led', 'dimmable', 'warm white'] },
  bath: { nouns: ['towel', 'soap dish', 'bath mat', 'toothbrush holder', 'shower curtain', 'sponge'], hints: ['cotton', 'absorbent', 'mildew-resistant'] },
  bags: { nouns: ['tote', 'backpack', 'lunch bag', 'purse', 'shopper', 'duffel'], hints: ['canvas', 'zip', 'shoulder strap'] },
  party: { nouns: ['balloons', 'bunting', 'party hat', 'napkins', 'cake topper', 'confetti'], hints: ['birthday', 'celebration', 'pack of 12'] },
  christmas: { nouns: ['bauble', 'advent calendar', 'stocking', 'tree topper', 'wreath', 'nativity'], hints: ['festive', 'xmas', 'glitter'] },
  pets: { nouns: ['dog bowl', 'cat toy', 'leash', 'pet bed', 'scratching post', 'chew'], hints: ['puppy', 'kitten', 'grooming'] },
  beauty: { nouns: ['lip balm', 'face mask', 'nail polish', 'hair clip', 'perfume', 'compact mirror'], hints: ['vegan', 'paraben-free', 'travel size'] },
  snacks: { nouns: ['crisps', 'cookies', 'granola bar', 'pretzels', 'trail mix', 'rice crackers'], hints: ['salted', 'gluten-free', 'sharing bag'] },
};

/** Nouns two categories share: only the hints and the rest of the title tell them apart. */
const SHARED_NOUNS: Array<[string, string, string]> = [
  ['tin', 'kitchen', 'christmas'],
  ['basket', 'garden', 'bath'],
  ['box', 'stationery', 'party'],
  ['candle', 'lighting', 'christmas'],
];

const ADJECTIVES = ['red', 'blue', 'vintage', 'large', 'small', 'retro', 'pink', 'green', 'classic', 'deluxe', 'mini', 'floral', 'striped', 'wooden', 'metal', 'crème', 'café', 'naïve'];
const BRANDS = ['Acme', 'Nordvik', 'Hartley & Co', 'Maison Lumière', 'Kōbō', 'Blue Owl', 'Sunday', 'Fjällräv'];
const JAPANESE: Record<string, string> = { kitchen: '台所', garden: '庭', toys: 'おもちゃ', stationery: '文具', lighting: '照明', bath: '浴室', bags: '鞄', party: 'パーティー', christmas: 'クリスマス', pets: 'ペット', beauty: '美容', snacks: 'お菓子' };

export const CATALOG_CATEGORIES = Object.keys(CATEGORIES);

/** A small seeded PRNG (mulberry32), as the engine's. */
function rng(seed: number): () => number {
  let a = (seed >>> 0) ^ 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CatalogRow {
  productId: number;
  title: string;
  category: string;
}

/** `rows` catalogue rows for a seed, in product order. */
export function* catalogRows(rows: number, seed = 0): Generator<CatalogRow> {
  const random = rng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  for (let i = 0; i < rows; i++) {
    let category = pick(CATALOG_CATEGORIES);
    const spec = CATEGORIES[category] as { nouns: string[]; hints: string[] };
    let noun = pick(spec.nouns);
    const shared = SHARED_NOUNS.filter((s) => s[1] === category || s[2] === category);
    if (shared.length > 0 && random() < 0.25) noun = (pick(shared) as [string, string, string])[0];
    const parts: string[] = [];
    if (random() < 0.6) parts.push(pick(BRANDS));
    const adjectives = Math.floor(random() * 3);
    for (let a = 0; a < adjectives; a++) parts.push(pick(ADJECTIVES));
    if (random() < 0.5) parts.push(pick(spec.hints));
    parts.push(noun);
    if (random() < 0.3) parts.push(`${1 + Math.floor(random() * 50)}${pick(['cm', 'ml', 'g', ' pack'])}`);
    if (random() < 0.05) parts.push(JAPANESE[category] as string);
    let title = parts.join(' ');
    if (random() < 0.5) title = title.toUpperCase();
    // 2% label noise: a real catalogue's mistakes.
    if (random() < 0.02) category = pick(CATALOG_CATEGORIES);
    yield { productId: i + 1, title, category };
  }
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Writes the catalogue as CSV (streamed); returns the row count. */
export function writeCatalogCsv(file: string, rows: number, seed = 0): number {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, 'product_id,title,category\n');
    let buffer: string[] = [];
    for (const row of catalogRows(rows, seed)) {
      buffer.push(`${row.productId},${csvField(row.title)},${row.category}\n`);
      if (buffer.length === 10_000) {
        fs.writeSync(fd, buffer.join(''));
        buffer = [];
      }
    }
    if (buffer.length > 0) fs.writeSync(fd, buffer.join(''));
  } finally {
    fs.closeSync(fd);
  }
  return rows;
}

/** `npm run gen -- catalog ...` */
export function catalogMain(argv: readonly string[]): void {
  let rows = 100_000;
  let seed = 0;
  let out = path.join('out', 'gen', 'catalog.csv');
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--rows') rows = Number(value);
    else if (flag === '--seed') seed = Number(value);
    else if (flag === '--out') out = String(value);
    else if (flag === '--help' || flag === '-h') {
      console.log('usage: npm run gen -- catalog --rows N [--seed S] [--out FILE.csv]');
      return;
    } else {
      console.error(`unknown option ${String(flag)}; usage: npm run gen -- catalog --rows N [--seed S] [--out FILE.csv]`);
      process.exit(2);
    }
    i++;
  }
  if (!Number.isInteger(rows) || rows < 1) {
    console.error('--rows must be a positive integer');
    process.exit(2);
  }
  const started = Date.now();
  writeCatalogCsv(out, rows, seed);
  console.log(`Wrote ${rows.toLocaleString('en')} catalogue rows (seed ${seed}) to ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}
