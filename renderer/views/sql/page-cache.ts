/**
 * Windowed access to a large result: rows are fetched in fixed-size pages, kept in a small LRU,
 * and only the pages the grid currently shows are requested. Requests run a few at a time and
 * pages that scrolled out of view before their turn are skipped, so dragging the scrollbar to the
 * end of a million rows fetches the end, not everything in between.
 */

export type PageFetcher<Row> = (offset: number, limit: number) => Promise<Row[]>;

export interface PageCacheOptions<Row> {
  rowCount: number;
  fetchPage: PageFetcher<Row>;
  pageSize?: number;
  maxPages?: number;
  maxInFlight?: number;
  /** Rows already at hand (the query's inline preview), served without fetching. */
  seed?: Row[];
  /** Called whenever a page arrives or a fetch fails, so the view can re-render. */
  onChange?: () => void;
}

export class PageCache<Row> {
  readonly rowCount: number;
  readonly pageSize: number;
  private readonly maxPages: number;
  private readonly maxInFlight: number;
  private readonly fetchPage: PageFetcher<Row>;
  private readonly seed: Row[];
  private readonly onChange: (() => void) | undefined;
  /** Page index -> rows; Map order is the LRU order (oldest first). */
  private readonly pages = new Map<number, Row[]>();
  private readonly inFlight = new Set<number>();
  private queue: number[] = [];
  private wanted = new Set<number>();
  private disposed = false;
  /** The last fetch failure, shown by the grid; cleared by the next success. */
  lastError: unknown = null;
  /** Fetch calls made so far (for diagnostics and tests). */
  fetchCount = 0;

  constructor(options: PageCacheOptions<Row>) {
    this.rowCount = Math.max(0, options.rowCount);
    this.pageSize = Math.max(1, options.pageSize ?? 500);
    this.maxPages = Math.max(2, options.maxPages ?? 20);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 2);
    this.fetchPage = options.fetchPage;
    this.seed = options.seed ?? [];
    this.onChange = options.onChange;
  }

  /** The row if it is loaded, else undefined (call `ensure` for the visible range first). */
  getRow(index: number): Row | undefined {
    if (index < 0 || index >= this.rowCount) return undefined;
    if (index < this.seed.length) return this.seed[index];
    const page = this.pages.get(Math.floor(index / this.pageSize));
    return page?.[index % this.pageSize];
  }

  /** Whether every row in [start, end] is loaded. */
  has(start: number, end: number): boolean {
    for (const p of this.pagesFor(start, end)) if (!this.pageReady(p)) return false;
    return true;
  }

  /**
   * Declares the rows now visible (inclusive range). Missing pages are queued; queued pages no
   * longer visible are dropped from the queue; visible pages become most recently used.
   */
  ensure(start: number, end: number): void {
    if (this.disposed || this.rowCount === 0) return;
    const visible = this.pagesFor(start, end);
    this.wanted = new Set(visible);
    for (const p of visible) {
      const page = this.pages.get(p);
      if (page) {
        this.pages.delete(p);
        this.pages.set(p, page);
      }
    }
    this.queue = visible.filter((p) => !this.pageReady(p) && !this.inFlight.has(p));
    this.pump();
  }

  /** Stops all work; late responses are ignored. */
  dispose(): void {
    this.disposed = true;
    this.queue = [];
    this.pages.clear();
  }

  get loadedPageCount(): number {
    return this.pages.size;
  }

  private pagesFor(start: number, end: number): number[] {
    const first = Math.max(0, Math.floor(Math.max(0, start) / this.pageSize));
    const last = Math.floor(Math.min(this.rowCount - 1, Math.max(start, end)) / this.pageSize);
    const out: number[] = [];
    for (let p = first; p <= last; p++) out.push(p);
    return out;
  }

  private pageReady(page: number): boolean {
    if (this.pages.has(page)) return true;
    // A page wholly inside the seed needs no fetch.
    const end = Math.min(this.rowCount, (page + 1) * this.pageSize);
    return end <= this.seed.length;
  }

  private pump(): void {
    while (!this.disposed && this.inFlight.size < this.maxInFlight && this.queue.length > 0) {
      const page = this.queue.shift();
      if (page === undefined || !this.wanted.has(page) || this.pageReady(page) || this.inFlight.has(page)) continue;
      this.load(page);
    }
  }

  private load(page: number): void {
    this.inFlight.add(page);
    this.fetchCount++;
    const offset = page * this.pageSize;
    const limit = Math.min(this.pageSize, this.rowCount - offset);
    this.fetchPage(offset, limit).then(
      (rows) => {
        this.inFlight.delete(page);
        if (this.disposed) return;
        this.lastError = null;
        this.pages.set(page, rows);
        this.evict();
        this.pump();
        this.onChange?.();
      },
      (err: unknown) => {
        this.inFlight.delete(page);
        if (this.disposed) return;
        this.lastError = err;
        this.pump();
        this.onChange?.();
      },
    );
  }

  private evict(): void {
    for (const page of this.pages.keys()) {
      if (this.pages.size <= this.maxPages) break;
      // Never drop a page that is on screen.
      if (!this.wanted.has(page)) this.pages.delete(page);
    }
  }
}
