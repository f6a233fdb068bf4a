/**
 * Synthetic e-commerce dataset, deterministic for a seed.
 *
 *   npm run gen -- --users N [--seed S] [--out DIR] [--tables users,sessions,events,orders,features]
 *
 * Tables (one simulation feeds all of them, so they agree with each other):
 * - users     one row per user: profile attributes.
 * - sessions  visits in the 180 days up to the snapshot (AS_OF), heavy-tailed per user, seasonal.
 * - events    view / fav / cart / purchase events inside sessions (a funnel).
 * - orders    one order per session with purchases; discounts, cancellations and returns.
 * - features  one row per user, 34 columns aggregated from the tables above as of AS_OF, plus the
 *             label `converted` (purchase in the 30 days after AS_OF), which depends non-linearly on
 *             the features and on a hidden intent, so a GBDT has something to learn but not everything.
 * Parquet for every table, and CSV too for `features` (the benchmark loads both). The CSVs are
 * written first (fast, streamed) and native DuckDB converts them with an explicit schema.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';

export const TABLE_NAMES = ['users', 'sessions', 'events', 'orders', 'features'] as const;
export type TableName = (typeof TABLE_NAMES)[number];

/** Column name and DuckDB type of every table, in file order. */
export const TABLE_COLUMNS: Record<TableName, ReadonlyArray<readonly [string, string]>> = {
  users: [
    ['user_id', 'BIGINT'],
    ['signup_date', 'DATE'],
    ['country', 'VARCHAR'],
    ['city_tier', 'INTEGER'], // NULL ~3%
    ['age_band', 'VARCHAR'], // NULL ~8%
    ['gender', 'VARCHAR'],
    ['device', 'VARCHAR'],
    ['acquisition_channel', 'VARCHAR'],
    ['is_member', 'BOOLEAN'],
    ['email_opt_in', 'BOOLEAN'],
  ],
  sessions: [
    ['session_id', 'BIGINT'],
    ['user_id', 'BIGINT'],
    ['start_ts', 'TIMESTAMP'],
    ['duration_s', 'INTEGER'], // NULL ~1.5% (session never closed)
    ['device', 'VARCHAR'],
    ['traffic_source', 'VARCHAR'], // NULL ~4% (untracked)
    ['pages_viewed', 'INTEGER'],
  ],
  events: [
    ['event_id', 'BIGINT'],
    ['session_id', 'BIGINT'],
    ['user_id', 'BIGINT'],
    ['ts', 'TIMESTAMP'],
    ['event_type', 'VARCHAR'], // view | fav | cart | purchase
    ['item_id', 'INTEGER'],
    ['category', 'VARCHAR'],
    ['price', 'DOUBLE'], // NULL ~0.3% (price not logged)
  ],
  orders: [
    ['order_id', 'BIGINT'],
    ['user_id', 'BIGINT'],
    ['session_id', 'BIGINT'],
    ['ts', 'TIMESTAMP'],
    ['n_items', 'INTEGER'],
    ['amount', 'DOUBLE'], // paid, after discount
    ['discount', 'DOUBLE'],
    ['payment', 'VARCHAR'], // NULL ~1%
    ['status', 'VARCHAR'], // completed | cancelled | returned
  ],
  features: [
    ['user_id', 'BIGINT'],
    ['signup_date', 'DATE'],
    ['last_seen_date', 'DATE'], // NULL: no session in 180 days
    ['country', 'VARCHAR'],
    ['city_tier', 'INTEGER'],
    ['age_band', 'VARCHAR'],
    ['gender', 'VARCHAR'],
    ['device', 'VARCHAR'],
    ['acquisition_channel', 'VARCHAR'],
    ['is_member', 'BOOLEAN'],
    ['push_enabled', 'BOOLEAN'],
    ['tenure_days', 'INTEGER'],
    ['sessions_30d', 'INTEGER'],
    ['sessions_90d', 'INTEGER'],
    ['days_since_last_session', 'INTEGER'], // NULL: no session in 180 days
    ['avg_session_duration_s', 'DOUBLE'], // NULL: no timed session
    ['pages_per_session', 'DOUBLE'], // NULL: no session
    ['views_90d', 'INTEGER'],
    ['carts_90d', 'INTEGER'],
    ['favs_90d', 'INTEGER'],
    ['purchases_90d', 'INTEGER'],
    ['cart_to_view_rate', 'DOUBLE'], // NULL: no views in 90 days
    ['distinct_categories_90d', 'INTEGER'],
    ['top_category', 'VARCHAR'], // NULL: no views in 90 days
    ['orders_180d', 'INTEGER'],
    ['spend_180d', 'DOUBLE'],
    ['avg_order_value', 'DOUBLE'], // NULL: no order
    ['days_since_last_order', 'INTEGER'], // NULL: no order
    ['discount_share', 'DOUBLE'], // NULL: no order
    ['return_rate', 'DOUBLE'], // NULL: no order
    ['cancel_count', 'INTEGER'],
    ['email_open_rate', 'DOUBLE'], // NULL: not opted in
    ['coupon_balance', 'DOUBLE'],
    ['converted', 'INTEGER'], // label: 1 = purchase in the 30 days after AS_OF
  ],
};

/** Snapshot date: activity covers the 180 days ending here; the label looks 30 days ahead. */
export const AS_OF = '2025-06-30';
const WINDOW_DAYS = 180;
const SIGNUP_SPAN_DAYS = 1276; // 2022-01-01 .. AS_OF

export interface GenOptions {
  users: number;
  seed: number;
  outDir: string;
  /** Tables to write (all by default). The simulation always runs in full, so rows agree. */
  tables?: readonly TableName[];
  /** Progress and summary lines (defaults to console.log). */
  log?: (line: string) => void;
}

export interface WrittenFile {
  table: TableName;
  format: 'csv' | 'parquet';
  path: string;
  rows: number;
  bytes: number;
}

export interface GenResult {
  options: { users: number; seed: number; asOf: string };
  rows: Record<TableName, number>;
  files: WrittenFile[];
  elapsedMs: number;
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness: xoshiro128** seeded through splitmix32 (period 2^128 - 1; a 1M-user
// run draws ~10^8 numbers, too close to mulberry32's 2^32 for comfort).

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    let state = seed >>> 0;
    const splitmix = (): number => {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix();
    this.b = splitmix();
    this.c = splitmix();
    this.d = splitmix();
  }

  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  normal(): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return spare;
    }
    const u = 1 - this.next();
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 40) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** Number of failures before the first success, mean (1 - p) / p. */
  geometric(p: number): number {
    return Math.floor(Math.log(1 - this.next()) / Math.log(1 - p));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Weighted choice by cumulative weights (binary search; works for long lists too). */
class Categorical<T> {
  private readonly cumulative: Float64Array;
  constructor(
    readonly values: readonly T[],
    weights: readonly number[],
  ) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => {
      sum += w;
      this.cumulative[i] = sum;
    });
  }
  index(rng: Rng): number {
    const target = rng.next() * this.cumulative[this.cumulative.length - 1]!;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
  pick(rng: Rng): T {
    return this.values[this.index(rng)]!;
  }
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

// ---------------------------------------------------------------------------------------------
// Vocabulary

const COUNTRIES = new Categorical(
  ['CN', 'US', 'GB', 'DE', 'FR', 'BR', 'IN', 'JP', 'ES', 'MX', 'CA', 'AU'],
  [30, 18, 8, 7, 6, 7, 8, 5, 4, 4, 2, 1],
);
const CITY_TIERS = new Categorical([1, 2, 3, 4], [20, 30, 30, 20]);
const AGE_BANDS = new Categorical(['18-24', '25-34', '35-44', '45-54', '55+'], [18, 34, 24, 14, 10]);
const GENDERS = new Categorical(['F', 'M', 'U'], [52, 44, 4]);
const DEVICES = ['android', 'ios', 'web'] as const;
const DEVICE_CHOICE = new Categorical([0, 1, 2], [48, 34, 18]);
const CHANNELS = ['organic', 'paid_search', 'social', 'referral', 'email', 'affiliate'] as const;
const CHANNEL_CHOICE = new Categorical([0, 1, 2, 3, 4, 5], [34, 20, 18, 10, 8, 10]);
/** Activity multiplier (log scale) by acquisition channel: referrals and email stay, paid churns. */
const CHANNEL_ACTIVITY = [0.15, -0.1, -0.2, 0.3, 0.25, -0.3];
/** Traffic source of a session, by the user's acquisition channel. */
const TRAFFIC_SOURCES = ['direct', 'search', 'social', 'email', 'push', 'ads'] as const;
const TRAFFIC_BY_CHANNEL = CHANNELS.map((_, c) => {
  const base = [40, 20, 10, 8, 12, 10];
  base[[0, 1, 2, 0, 3, 5][c]!]! += 25;
  return new Categorical([0, 1, 2, 3, 4, 5], base);
});
const PAYMENTS_DEFAULT = new Categorical(['card', 'paypal', 'wallet', 'cod', 'bank_transfer'], [50, 25, 12, 8, 5]);
const PAYMENTS_CN = new Categorical(['alipay', 'wechat_pay', 'card', 'cod'], [48, 38, 10, 4]);
const PAYMENTS_BR = new Categorical(['pix', 'card', 'boleto', 'paypal'], [45, 35, 15, 5]);
const PAYMENTS_IN = new Categorical(['upi', 'card', 'cod', 'wallet'], [45, 20, 25, 10]);

interface Category {
  name: string;
  weight: number;
  /** Median price in cents and log-normal spread. */
  medianCents: number;
  spread: number;
  returnRate: number;
}
const CATEGORIES: Category[] = [
  { name: 'electronics', weight: 8, medianCents: 8900, spread: 0.9, returnRate: 0.06 },
  { name: 'phones', weight: 5, medianCents: 24900, spread: 0.7, returnRate: 0.05 },
  { name: 'computers', weight: 4, medianCents: 49900, spread: 0.6, returnRate: 0.05 },
  { name: 'home_kitchen', weight: 12, medianCents: 2900, spread: 0.8, returnRate: 0.04 },
  { name: 'furniture', weight: 4, medianCents: 15900, spread: 0.8, returnRate: 0.08 },
  { name: 'fashion_women', weight: 14, medianCents: 3900, spread: 0.7, returnRate: 0.18 },
  { name: 'fashion_men', weight: 9, medianCents: 3500, spread: 0.7, returnRate: 0.14 },
  { name: 'shoes', weight: 7, medianCents: 6900, spread: 0.6, returnRate: 0.16 },
  { name: 'beauty', weight: 10, medianCents: 1900, spread: 0.7, returnRate: 0.03 },
  { name: 'sports', weight: 6, medianCents: 3900, spread: 0.9, returnRate: 0.07 },
  { name: 'toys', weight: 6, medianCents: 2400, spread: 0.8, returnRate: 0.04 },
  { name: 'books', weight: 5, medianCents: 1500, spread: 0.5, returnRate: 0.02 },
  { name: 'grocery', weight: 7, medianCents: 900, spread: 0.6, returnRate: 0.01 },
  { name: 'pet', weight: 3, medianCents: 2200, spread: 0.7, returnRate: 0.02 },
];
const CATEGORY_CHOICE = new Categorical(
  CATEGORIES.map((_, i) => i),
  CATEGORIES.map((c) => c.weight),
);
const ITEMS_PER_CATEGORY = 1500;

/** A fixed catalogue (independent of the user count): item ids, prices, Zipf popularity. */
interface Catalogue {
  priceCents: Int32Array; // by item id
  categoryOf: Uint8Array; // by item id
  popularity: Categorical<number>[]; // per category, over its item ids
}

function buildCatalogue(rng: Rng): Catalogue {
  const total = CATEGORIES.length * ITEMS_PER_CATEGORY;
  const priceCents = new Int32Array(total + 1);
  const categoryOf = new Uint8Array(total + 1);
  const popularity: Categorical<number>[] = [];
  CATEGORIES.forEach((category, c) => {
    const ids: number[] = [];
    const weights: number[] = [];
    for (let k = 0; k < ITEMS_PER_CATEGORY; k++) {
      const id = 1 + c * ITEMS_PER_CATEGORY + k;
      ids.push(id);
      weights.push(1 / Math.pow(k + 1, 1.05));
      categoryOf[id] = c;
      const cents = Math.round(category.medianCents * Math.exp(category.spread * rng.normal()));
      // Shop prices end in 9: 12.99, 129.00 -> 128.99.
      priceCents[id] = Math.max(99, Math.round(cents / 100) * 100 - 1);
    }
    popularity.push(new Categorical(ids, weights));
  });
  return { priceCents, categoryOf, popularity };
}

// ---------------------------------------------------------------------------------------------
// Calendar: day numbers (days since 1970-01-01) and precomputed text.

const DAY_MS = 86_400_000;
const asOfDay = Date.parse(`${AS_OF}T00:00:00Z`) / DAY_MS;
const windowStart = asOfDay - WINDOW_DAYS + 1;
const firstSignupDay = asOfDay - SIGNUP_SPAN_DAYS;

const dateText: string[] = [];
for (let day = firstSignupDay; day <= asOfDay + 31; day++) {
  dateText.push(new Date(day * DAY_MS).toISOString().slice(0, 10));
}
const dateOf = (day: number): string => dateText[day - firstSignupDay]!;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/** 'YYYY-MM-DD HH:MM:SS' from seconds since the epoch. */
function timestampText(seconds: number): string {
  const day = Math.floor(seconds / 86400);
  let rest = seconds - day * 86400;
  const hour = Math.floor(rest / 3600);
  rest -= hour * 3600;
  const minute = Math.floor(rest / 60);
  return `${dateOf(day)} ${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[rest - minute * 60]}`;
}

/** Relative traffic per day of the activity window: weekends, months, promotions (618, 3.8, 5.20). */
function dayWeight(day: number): number {
  const date = new Date(day * DAY_MS);
  const weekday = date.getUTCDay();
  const month = date.getUTCMonth();
  const dom = date.getUTCDate();
  let weight = weekday === 0 || weekday === 6 ? 1.25 : 1;
  weight *= [0.85, 0.8, 0.95, 0.95, 1.0, 1.1, 1, 1, 1, 1, 1.1, 1.3][month]!;
  if (month === 5 && dom <= 17) weight *= 1 + (0.4 * dom) / 17; // build-up to 618
  if (month === 5 && dom === 18) weight *= 2.5;
  if (month === 2 && dom === 8) weight *= 1.5;
  if (month === 4 && dom === 20) weight *= 1.3;
  return weight;
}

/** Cumulative day weights over the window: the session count is Poisson(rate * weight sum). */
const windowCumulative = new Float64Array(WINDOW_DAYS + 1);
for (let i = 0; i < WINDOW_DAYS; i++) windowCumulative[i + 1] = windowCumulative[i]! + dayWeight(windowStart + i);

function sampleWindowDay(rng: Rng, loIndex: number, hiIndex: number): number {
  const base = windowCumulative[loIndex]!;
  const target = base + rng.next() * (windowCumulative[hiIndex + 1]! - base);
  let lo = loIndex;
  let hi = hiIndex;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (windowCumulative[mid + 1]! > target) hi = mid;
    else lo = mid + 1;
  }
  return windowStart + lo;
}

const HOURS = new Categorical(
  Array.from({ length: 24 }, (_, h) => h),
  [2, 1, 0.6, 0.4, 0.4, 0.6, 1.2, 2.5, 3.5, 4, 4.2, 4.5, 5, 4.6, 4.3, 4.2, 4.4, 4.8, 5.5, 6.5, 7.5, 7.8, 6, 3.8],
);

// ---------------------------------------------------------------------------------------------
// CSV output: lines copied into a 4 MB buffer (ASCII only), written when full. Appending to one
// big string instead builds ropes that cost more in garbage collection than the simulation itself.

class CsvWriter {
  private readonly buffer = Buffer.allocUnsafe(4 << 20);
  private used = 0;
  private readonly fd: number;
  constructor(readonly filePath: string, header: ReadonlyArray<readonly [string, string]>) {
    this.fd = fs.openSync(filePath, 'w');
    this.line(header.map(([name]) => name).join(','));
  }
  line(text: string): void {
    if (this.used + text.length + 1 > this.buffer.length) this.flush();
    this.used += this.buffer.write(text, this.used, 'latin1');
    this.buffer[this.used++] = 10;
  }
  private flush(): void {
    let offset = 0;
    while (offset < this.used) offset += fs.writeSync(this.fd, this.buffer, offset, this.used - offset);
    this.used = 0;
  }
  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}

const num = (x: number | null, digits: number): string => (x === null ? '' : x.toFixed(digits));
const int = (x: number | null): string => (x === null ? '' : String(x));
const cents = (c: number): string => (c / 100).toFixed(2);

// ---------------------------------------------------------------------------------------------
// Simulation

interface SessionDraft {
  start: number; // seconds since epoch
  day: number;
}

/** Generates the dataset and writes the requested tables under `outDir`. */
export async function generate(options: GenOptions): Promise<GenResult> {
  const started = performance.now();
  const log = options.log ?? ((line: string) => console.log(line));
  const wanted = new Set<TableName>(options.tables ?? TABLE_NAMES);
  if (!Number.isInteger(options.users) || options.users < 1) throw new Error(`--users must be a positive integer, got ${options.users}`);
  fs.mkdirSync(options.outDir, { recursive: true });

  const rng = new Rng(options.seed);
  const catalogue = buildCatalogue(new Rng(options.seed ^ 0x5eed));
  const csvPath = (table: TableName): string =>
    path.join(options.outDir, table === 'features' ? 'features.csv' : `.${table}.csv.tmp`);
  const open = (table: TableName): CsvWriter | null =>
    wanted.has(table) ? new CsvWriter(csvPath(table), TABLE_COLUMNS[table]) : null;
  const usersOut = open('users');
  const sessionsOut = open('sessions');
  const eventsOut = open('events');
  const ordersOut = open('orders');
  const featuresOut = open('features');
  const rows: Record<TableName, number> = { users: 0, sessions: 0, events: 0, orders: 0, features: 0 };

  let nextSessionId = 1;
  let nextEventId = 1;
  let nextOrderId = 1;
  const sessionDrafts: SessionDraft[] = [];
  const categoryViews = new Int32Array(CATEGORIES.length);
  const cartItems: number[] = [];
  const reportEvery = Math.max(1, Math.floor(options.users / 10));

  for (let userId = 1; userId <= options.users; userId++) {
    // --- profile and hidden traits
    const signupDay = asOfDay - Math.floor(SIGNUP_SPAN_DAYS * Math.pow(rng.next(), 1.6)); // growth: recent signups more common
    const country = COUNTRIES.pick(rng);
    const cityTier = rng.chance(0.03) ? null : CITY_TIERS.pick(rng);
    const ageBand = rng.chance(0.08) ? null : AGE_BANDS.pick(rng);
    const gender = GENDERS.pick(rng);
    const device = DEVICE_CHOICE.pick(rng);
    const channel = CHANNEL_CHOICE.pick(rng);
    const engagement = rng.normal();
    const intent = rng.normal();
    const priceSensitivity = rng.next();
    const isMember = rng.chance(sigmoid(-2 + 0.9 * engagement + (cityTier === 1 ? 0.5 : 0)));
    const emailOptIn = rng.chance(0.55);
    const pushEnabled = device !== 2 && rng.chance(0.6);
    const favouriteA = CATEGORY_CHOICE.index(rng);
    const favouriteB = CATEGORY_CHOICE.index(rng);
    const powerUser = rng.chance(0.005);
    // Sessions per day before churn: log-normal (a few very active users), power users x5.
    const dailyRate =
      Math.exp(-4.2 + 1.3 * engagement + CHANNEL_ACTIVITY[channel]! + (isMember ? 0.4 : 0)) * (powerUser ? 5 : 1);
    const churnDay = signupDay + Math.floor(-Math.log(1 - rng.next()) * 420 * Math.exp(0.4 * engagement));
    const emailOpenRate = emailOptIn ? Math.min(1, Math.max(0, 0.22 + 0.08 * engagement + 0.1 * rng.normal())) : null;
    const couponBalance = isMember || rng.chance(0.2) ? Math.round(Math.exp(2 + rng.normal()) * 100) : 0;

    usersOut?.line(
      `${userId},${dateOf(signupDay)},${country},${int(cityTier)},${ageBand ?? ''},${gender},${DEVICES[device]},${CHANNELS[channel]},${isMember},${emailOptIn}`,
    );
    rows.users++;

    // --- sessions in the window, between signup and churn
    sessionDrafts.length = 0;
    const loIndex = Math.max(0, signupDay - windowStart);
    const hiIndex = Math.min(WINDOW_DAYS - 1, churnDay - windowStart);
    if (hiIndex >= loIndex) {
      const expected = dailyRate * (windowCumulative[hiIndex + 1]! - windowCumulative[loIndex]!);
      const count = Math.min(3000, rng.poisson(expected));
      for (let s = 0; s < count; s++) {
        const day = sampleWindowDay(rng, loIndex, hiIndex);
        sessionDrafts.push({ day, start: day * 86400 + HOURS.pick(rng) * 3600 + rng.int(3600) });
      }
      sessionDrafts.sort((x, y) => x.start - y.start);
    }

    // --- per-user aggregates for the features row
    let sessions30 = 0;
    let sessions90 = 0;
    let lastSessionDay = -1;
    let durationSum = 0;
    let timedSessions = 0;
    let pagesSum = 0;
    let views90 = 0;
    let carts90 = 0;
    let favs90 = 0;
    let purchases90 = 0;
    let orders = 0;
    let spendCents = 0;
    let discountedOrders = 0;
    let returned = 0;
    let cancelled = 0;
    let lastOrderDay = -1;
    categoryViews.fill(0);

    const cartLogit = -2.5 + 0.7 * intent + (isMember ? 0.3 : 0);
    const buyLogit = -0.2 + 0.9 * intent;
    for (const draft of sessionDrafts) {
      const sessionId = nextSessionId++;
      const daysAgo = asOfDay - draft.day;
      const in90 = daysAgo < 90;
      if (daysAgo < 30) sessions30++;
      if (in90) sessions90++;
      lastSessionDay = draft.day;
      const sessionDevice = rng.chance(0.85) ? device : DEVICE_CHOICE.pick(rng);
      const traffic = rng.chance(0.04) ? null : TRAFFIC_BY_CHANNEL[channel]!.index(rng);
      const pages = 1 + rng.geometric(1 / (2.2 + Math.max(0, intent) + (powerUser ? 1 : 0)));
      pagesSum += pages;

      // The funnel: each page views an item; some are favourited or carted; carted items may be bought.
      let clock = draft.start;
      cartItems.length = 0;
      for (let p = 0; p < pages; p++) {
        clock += 5 + Math.floor(Math.exp(3.4 + 0.7 * rng.normal()));
        const category = rng.chance(0.55) ? (rng.chance(0.6) ? favouriteA : favouriteB) : CATEGORY_CHOICE.index(rng);
        const itemId = catalogue.popularity[category]!.pick(rng);
        const priceText = rng.chance(0.003) ? '' : cents(catalogue.priceCents[itemId]!);
        if (in90) {
          views90++;
          categoryViews[category]!++;
        }
        eventsOut?.line(`${nextEventId},${sessionId},${userId},${timestampText(clock)},view,${itemId},${CATEGORIES[category]!.name},${priceText}`);
        nextEventId++;
        if (rng.chance(0.05)) {
          clock += 2 + rng.int(10);
          if (in90) favs90++;
          eventsOut?.line(`${nextEventId},${sessionId},${userId},${timestampText(clock)},fav,${itemId},${CATEGORIES[category]!.name},${priceText}`);
          nextEventId++;
        }
        if (rng.chance(sigmoid(cartLogit - 0.25 * Math.log(catalogue.priceCents[itemId]! / 3000)))) {
          clock += 3 + rng.int(20);
          if (in90) carts90++;
          cartItems.push(itemId);
          eventsOut?.line(`${nextEventId},${sessionId},${userId},${timestampText(clock)},cart,${itemId},${CATEGORIES[category]!.name},${priceText}`);
          nextEventId++;
        }
      }
      let orderCents = 0;
      let bought = 0;
      let lastBoughtCategory = 0;
      for (const itemId of cartItems) {
        if (!rng.chance(sigmoid(buyLogit - 1.2 * priceSensitivity * (catalogue.priceCents[itemId]! > 5000 ? 1 : 0)))) continue;
        clock += 10 + rng.int(60);
        const category = catalogue.categoryOf[itemId]!;
        if (in90) purchases90++;
        bought++;
        orderCents += catalogue.priceCents[itemId]!;
        lastBoughtCategory = category;
        eventsOut?.line(`${nextEventId},${sessionId},${userId},${timestampText(clock)},purchase,${itemId},${CATEGORIES[category]!.name},${cents(catalogue.priceCents[itemId]!)}`);
        nextEventId++;
      }
      const duration = clock - draft.start + 5 + rng.int(30);
      const durationKnown = !rng.chance(0.015);
      if (durationKnown) {
        durationSum += duration;
        timedSessions++;
      }
      sessionsOut?.line(
        `${sessionId},${userId},${timestampText(draft.start)},${durationKnown ? duration : ''},${DEVICES[sessionDevice]},${traffic === null ? '' : TRAFFIC_SOURCES[traffic]},${pages}`,
      );

      if (bought > 0) {
        const discounted = rng.chance(0.12 + 0.45 * priceSensitivity * (isMember ? 1.3 : 0.8));
        const discountCents = discounted ? Math.round(orderCents * (0.05 + 0.25 * rng.next())) : 0;
        const paymentChoice = country === 'CN' ? PAYMENTS_CN : country === 'BR' ? PAYMENTS_BR : country === 'IN' ? PAYMENTS_IN : PAYMENTS_DEFAULT;
        const payment = rng.chance(0.01) ? '' : paymentChoice.pick(rng);
        const roll = rng.next();
        const cancelP = payment === 'cod' ? 0.12 : 0.035;
        const status = roll < cancelP ? 'cancelled' : roll < cancelP + CATEGORIES[lastBoughtCategory]!.returnRate ? 'returned' : 'completed';
        orders++;
        spendCents += orderCents - discountCents;
        if (discounted) discountedOrders++;
        if (status === 'returned') returned++;
        if (status === 'cancelled') cancelled++;
        lastOrderDay = draft.day;
        ordersOut?.line(
          `${nextOrderId},${userId},${sessionId},${timestampText(clock)},${bought},${cents(orderCents - discountCents)},${cents(discountCents)},${payment},${status}`,
        );
        nextOrderId++;
      }
    }

    // --- features row and label
    let topCategory = -1;
    let distinctCategories = 0;
    for (let c = 0; c < CATEGORIES.length; c++) {
      if (categoryViews[c]! > 0) distinctCategories++;
      if (categoryViews[c]! > 0 && (topCategory < 0 || categoryViews[c]! > categoryViews[topCategory]!)) topCategory = c;
    }
    const sessionCount = sessionDrafts.length;
    const daysSinceSession = lastSessionDay < 0 ? null : asOfDay - lastSessionDay;
    const daysSinceOrder = lastOrderDay < 0 ? null : asOfDay - lastOrderDay;
    const returnRate = orders > 0 ? returned / orders : null;
    const tenureDays = asOfDay - signupDay;

    // Non-linear in the observed features (recency decay, saturation, thresholds, interactions),
    // plus hidden intent and noise that no feature shows: a GBDT learns much of it, not all.
    const logit =
      -3.4 +
      2.2 * Math.exp(-(daysSinceSession ?? 999) / 10) +
      0.7 * Math.log1p(sessions30) +
      1.2 * Math.tanh(carts90 / 3) +
      (orders > 0 ? 0.7 + 0.35 * Math.log1p(orders) : 0) -
      (returnRate !== null && returnRate >= 0.3 ? 1.3 : 0) +
      (isMember && device !== 2 ? 0.9 : 0) +
      ((ageBand === '25-34' || ageBand === '35-44') && cityTier !== null && cityTier <= 2 ? 0.8 : 0) +
      (emailOpenRate !== null && emailOpenRate > 0.3 ? 0.7 : 0) +
      (couponBalance > 2000 ? 0.5 : 0) +
      (tenureDays < 45 ? 0.9 : tenureDays > 900 ? -0.4 : 0) +
      (pushEnabled && sessions30 === 0 && sessionCount > 0 ? 0.6 : 0) +
      0.3 * intent +
      0.3 * rng.normal();
    const converted = rng.chance(sigmoid(logit)) ? 1 : 0;

    featuresOut?.line(
      [
        userId,
        dateOf(signupDay),
        lastSessionDay < 0 ? '' : dateOf(lastSessionDay),
        country,
        int(cityTier),
        ageBand ?? '',
        gender,
        DEVICES[device],
        CHANNELS[channel],
        isMember,
        pushEnabled,
        tenureDays,
        sessions30,
        sessions90,
        int(daysSinceSession),
        num(timedSessions > 0 ? durationSum / timedSessions : null, 1),
        num(sessionCount > 0 ? pagesSum / sessionCount : null, 3),
        views90,
        carts90,
        favs90,
        purchases90,
        num(views90 > 0 ? carts90 / views90 : null, 4),
        distinctCategories,
        topCategory < 0 ? '' : CATEGORIES[topCategory]!.name,
        orders,
        cents(spendCents),
        num(orders > 0 ? spendCents / orders / 100 : null, 2),
        int(daysSinceOrder),
        num(orders > 0 ? discountedOrders / orders : null, 4),
        num(returnRate, 4),
        cancelled,
        num(emailOpenRate, 3),
        cents(couponBalance),
        converted,
      ].join(','),
    );
    rows.features++;
    if (userId % reportEvery === 0 && options.users >= 100_000) log(`  simulated ${userId.toLocaleString('en')} users`);
  }
  rows.sessions = nextSessionId - 1;
  rows.events = nextEventId - 1;
  rows.orders = nextOrderId - 1;
  for (const writer of [usersOut, sessionsOut, eventsOut, ordersOut, featuresOut]) writer?.close();

  // --- Parquet through native DuckDB, with the documented schema (no type sniffing).
  const files: WrittenFile[] = [];
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (const table of TABLE_NAMES) {
      if (!wanted.has(table)) continue;
      const csv = csvPath(table);
      const parquet = path.join(options.outDir, `${table}.parquet`);
      const columns = TABLE_COLUMNS[table].map(([name, type]) => `'${name}': '${type}'`).join(', ');
      await connection.run(
        `COPY (SELECT * FROM read_csv('${sqlPath(csv)}', header = true, delim = ',', quote = '"', auto_detect = false, columns = {${columns}}))
         TO '${sqlPath(parquet)}' (FORMAT parquet, COMPRESSION zstd)`,
      );
      files.push({ table, format: 'parquet', path: parquet, rows: rows[table], bytes: fs.statSync(parquet).size });
      if (table === 'features') files.push({ table, format: 'csv', path: csv, rows: rows[table], bytes: fs.statSync(csv).size });
      else fs.rmSync(csv);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }

  const result: GenResult = {
    options: { users: options.users, seed: options.seed, asOf: AS_OF },
    rows,
    files,
    elapsedMs: performance.now() - started,
  };
  fs.writeFileSync(path.join(options.outDir, 'gen-info.json'), JSON.stringify({ ...result, columns: TABLE_COLUMNS }, null, 2) + '\n');
  return result;
}

function sqlPath(filePath: string): string {
  return path.resolve(filePath).replaceAll("'", "''");
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(2)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

export function parseArgs(argv: readonly string[]): GenOptions {
  const options: GenOptions = { users: 10_000, seed: 42, outDir: '.generated' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const need = (): string => {
      if (value === undefined) throw new Error(`${flag} needs a value`);
      i++;
      return value;
    };
    if (flag === '--users') options.users = Number(need());
    else if (flag === '--seed') options.seed = Number(need());
    else if (flag === '--out') options.outDir = need();
    else if (flag === '--tables') {
      const tables = need().split(',');
      for (const t of tables) if (!(TABLE_NAMES as readonly string[]).includes(t)) throw new Error(`unknown table ${t}; known: ${TABLE_NAMES.join(', ')}`);
      options.tables = tables as TableName[];
    } else if (flag === '--help' || flag === '-h') {
      throw new Error('usage: npm run gen -- --users N [--seed S] [--out DIR] [--tables users,sessions,events,orders,features]');
    } else throw new Error(`unknown argument ${flag}`);
  }
  if (!Number.isInteger(options.users) || options.users < 1) throw new Error('--users must be a positive integer');
  if (!Number.isInteger(options.seed)) throw new Error('--seed must be an integer');
  return options;
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain && process.argv[2] === 'ctr') {
  // `npm run gen -- ctr ...`: the CTR generator (scripts/gen-ctr.ts).
  await import('./gen-ctr').then((m) => m.ctrMain(process.argv.slice(3)));
} else if (isMain && process.argv[2] === 'catalog') {
  // `npm run gen -- catalog ...`: the product catalogue for labels (scripts/gen-catalog.ts).
  await import('./gen-catalog').then((m) => m.catalogMain(process.argv.slice(3)));
} else if (isMain) {
  let options: GenOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  console.log(`Generating ${options.users.toLocaleString('en')} users (seed ${options.seed}) into ${options.outDir}/ ...`);
  const result = await generate(options);
  for (const file of result.files) {
    console.log(`  ${path.relative(process.cwd(), file.path).padEnd(40)} ${file.rows.toLocaleString('en').padStart(12)} rows  ${formatBytes(file.bytes).padStart(10)}`);
  }
  console.log(`Done in ${(result.elapsedMs / 1000).toFixed(1)} s (as of ${AS_OF}).`);
}
