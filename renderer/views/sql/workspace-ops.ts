/** Pure updates of the SQL workspace (history, saved queries, saved charts); the view stays thin. */
import { HISTORY_LIMIT, type ChartSpec, type HistoryEntry, type SavedQuery, type SqlWorkspaceState } from './types';

/** Newest first, capped; running the same text again moves it to the top instead of duplicating it. */
export function addHistoryEntry(state: SqlWorkspaceState, entry: HistoryEntry): SqlWorkspaceState {
  const rest = state.history.filter((h) => h.sql !== entry.sql);
  return { ...state, history: [entry, ...rest].slice(0, HISTORY_LIMIT) };
}

export function clearHistory(state: SqlWorkspaceState): SqlWorkspaceState {
  return { ...state, history: [] };
}

export function newId(prefix: string): string {
  const random = globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
  return `${prefix}-${random}`;
}

/** Saves under a name; a query with the same name (case-insensitive) is replaced in place. */
export function saveQuery(state: SqlWorkspaceState, name: string, sql: string, id: string = newId('q')): { state: SqlWorkspaceState; saved: SavedQuery } {
  const trimmed = name.trim();
  if (trimmed.length === 0) throw new Error('A saved query needs a name.');
  const existing = state.queries.find((q) => q.name.toLowerCase() === trimmed.toLowerCase());
  if (existing) {
    const saved = { ...existing, name: trimmed, sql };
    return { state: { ...state, queries: state.queries.map((q) => (q.id === existing.id ? saved : q)) }, saved };
  }
  const saved = { id, name: trimmed, sql };
  return { state: { ...state, queries: [...state.queries, saved] }, saved };
}

export function deleteQuery(state: SqlWorkspaceState, id: string): SqlWorkspaceState {
  return { ...state, queries: state.queries.filter((q) => q.id !== id) };
}

/** Adds a chart or replaces the one with the same id. */
export function upsertChart(state: SqlWorkspaceState, chart: ChartSpec): SqlWorkspaceState {
  const exists = state.charts.some((c) => c.id === chart.id);
  return { ...state, charts: exists ? state.charts.map((c) => (c.id === chart.id ? chart : c)) : [...state.charts, chart] };
}

export function deleteChart(state: SqlWorkspaceState, id: string): SqlWorkspaceState {
  return { ...state, charts: state.charts.filter((c) => c.id !== id) };
}

/** A one-line label for a query in lists: first non-comment line, shortened. */
export function sqlSummary(sql: string, limit = 80): string {
  const line = sql
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0 && !l.startsWith('--'));
  const text = (line ?? sql.trim()).replace(/\s+/g, ' ');
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}
