/**
 * The propensity options of `assay features` (segments/windowed.ts, segments/label-window.ts):
 * --windows, --from, --item, --label-window, --label-event.
 */
import type { ParseArgsConfig } from 'node:util';
import type { FeatureForm } from '../api';
import { UsageError } from './common';

export const WINDOWED_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  windows: { type: 'string' },
  from: { type: 'string' },
  item: { type: 'string' },
  'label-window': { type: 'string' },
  'label-event': { type: 'string' },
};

export const WINDOWED_HELP = `Propensity datasets (windows: template windowed, or all with --windows; --from and
--label-window work with every template):
  --windows 1,3,7,30     Windows in days before as_of, each [as_of - N days, as_of) (default 1,3,7,30):
                         <type>_count_Nd per event type (view, cart, fav, purchase: the values of
                         --view/--cart/--fav/--purchase; with --event-type), event_count_Nd,
                         spend_Nd (with --value; purchases only with --event-type), items_Nd and
                         <type>_items_Nd (with --item)
  --from YYYY-MM-DD      Lower bound: events before it count in no feature
  --item COL             Item column (distinct items per window)
  --label-window Nd      Adds label (1 when the label event happened in [as_of, as_of + N days),
                         else 0) and label_spend (with --value); one row per entity with an event
                         before as_of. Default as_of: N days before the data's snapshot
  --label-event a,b      The label event: purchase, cart, fav, view or event-type values
                         (default: the purchase values; needs --event-type)`;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function dateOption(value: string, option: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new UsageError(`--${option} must be a date written YYYY-MM-DD (got ${value}).`);
  return value;
}

function dayCount(value: string, option: string): number {
  const match = /^(\d+)d?$/i.exec(value);
  const days = match ? Number(match[1]) : NaN;
  if (!Number.isInteger(days) || days < 1) throw new UsageError(`--${option} takes whole days such as 1d or 7 (got ${value}).`);
  return days;
}

/** Adds the propensity options to a feature form (the engine checks ranges and columns). */
export function applyWindowedOptions(form: Omit<FeatureForm, 'table'>, values: Record<string, unknown>): void {
  const windows = text(values.windows);
  if (windows !== undefined) form.windows = windows.split(',').map((w) => dayCount(w.trim(), 'windows'));
  const from = text(values.from);
  if (from !== undefined) form.from = dateOption(from, 'from');
  const item = text(values.item);
  if (item !== undefined) form.item = item;
  const labelWindow = text(values['label-window']);
  if (labelWindow !== undefined) form.labelWindowDays = dayCount(labelWindow, 'label-window');
  const labelEvent = text(values['label-event']);
  if (labelEvent !== undefined) {
    if (labelWindow === undefined) throw new UsageError('--label-event needs --label-window Nd.');
    form.labelEvents = labelEvent.split(',').map((v) => v.trim()).filter(Boolean);
  }
}
