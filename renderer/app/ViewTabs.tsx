import { Suspense, type JSX, type ReactNode } from 'react';

export type Tab = 'data' | 'sql' | 'models' | 'segments' | 'tags' | 'labels' | 'packs';

/**
 * The tabs in order. `loading`: the view is lazy (mounted on first visit, then kept mounted) and
 * this is shown while its code loads; the Data view has none, it is always mounted.
 */
export const TABS: ReadonlyArray<{ id: Tab; label: string; loading?: string }> = [
  { id: 'data', label: 'Data' },
  { id: 'sql', label: 'SQL', loading: 'Loading the SQL editor…' },
  { id: 'models', label: 'Models', loading: 'Loading models…' },
  { id: 'segments', label: 'Segments', loading: 'Loading segments…' },
  { id: 'tags', label: 'Tags', loading: 'Loading tags…' },
  { id: 'labels', label: 'Labels', loading: 'Loading labels…' },
  { id: 'packs', label: 'Packs', loading: 'Loading packs…' },
];

export interface ViewTabsProps {
  tab: Tab;
  /** Tabs opened at least once: their views stay mounted (keeping their state) while hidden. */
  visited: ReadonlySet<Tab>;
  views: Record<Tab, ReactNode>;
  onShow(tab: Tab): void;
  /** Shown between the tab bar and the views (the notices). */
  children?: ReactNode;
}

/** The tab bar and one panel per view; a lazy view mounts on its first visit. */
export function ViewTabs({ tab, visited, views, onShow, children }: ViewTabsProps): JSX.Element {
  return (
    <main className="main">
      <div className="tabs" role="tablist" aria-label="Views">
        {TABS.map(({ id, label }) => (
          <button key={id} type="button" role="tab" id={`tab-${id}`} aria-controls={`panel-${id}`} aria-selected={tab === id} className="tab" data-testid={`tab-${id}`} onClick={() => onShow(id)}>
            {label}
          </button>
        ))}
      </div>
      {children}
      {TABS.map(({ id, loading }) => (
        <section key={id} id={`panel-${id}`} role="tabpanel" aria-labelledby={`tab-${id}`} className="tab-panel" hidden={tab !== id}>
          {loading === undefined
            ? views[id]
            : visited.has(id) && <Suspense fallback={<p className="muted pad">{loading}</p>}>{views[id]}</Suspense>}
        </section>
      ))}
    </main>
  );
}
