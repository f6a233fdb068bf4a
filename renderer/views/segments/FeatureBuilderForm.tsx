import type { JSX } from 'react';
import type { ColumnInfo, TableInfo } from '../../../workers/api';
import { ColumnSelect, TableSelect } from './SegmentFields';

import type { TrackedJob } from '../../use-engine-job';
import { SegmentsJobLine, type SegmentsJob } from './SegmentsJobLine';
import { parseDayCount } from './segment-data';
import { FEATURE_TEMPLATE_CHOICES, type FeatureFormState, type FeatureTemplateChoice } from './types';

const TEMPLATE_LABELS: Record<FeatureTemplateChoice, string> = {
  rfm: 'RFM (recency, frequency, monetary, AOV, activity)',
  funnel: 'Funnel (view → cart → purchase counts and rates)',
  category_shares: 'Category shares',
  time_shares: 'Hour-of-day and weekday shares',
  windowed: 'Windowed (activity in the last N days)',
  all: 'All of the above (windowed when windows are given)',
};

export interface FeatureBuilderFormProps {
  tables: TableInfo[];
  form: FeatureFormState;
  /** The columns of the form's table. */
  formColumns: readonly ColumnInfo[];
  setForm(change: Partial<FeatureFormState>): void;
  /** The user picked the events table: the form is guessed again from its columns. */
  onChooseTable(table: string): void;
  onTemplate(template: FeatureTemplateChoice): void;
  /** The as-of date on screen is the default the view computed (the snapshot, less a label window). */
  asOfIsAuto: boolean;
  /** The data's snapshot, the day after the latest time (null until read). */
  snapshot: string | null;
  busy: boolean;
  job: TrackedJob<SegmentsJob> | null;
  onGenerate(): void;
}

/** Where the as-of date on screen comes from, or what the data's snapshot is when the user wrote one. */
function asOfHint(auto: boolean, snapshot: string, time: string, labelDays: number | null): string {
  if (!auto) return `the data's snapshot is ${snapshot}`;
  if (labelDays === null) return `the day after the latest ${time}`;
  return `${labelDays} day${labelDays === 1 ? '' : 's'} before the data's snapshot ${snapshot}, so the label window ends with the data`;
}

/** "an event of type buy / purchase" for the label: the values typed, or the purchase stage's. */
function labelEventWords(form: FeatureFormState): string {
  const typed = form.labelEvents.split(',').map((v) => v.trim()).filter(Boolean);
  if (typed.length > 0) return `an event of type ${typed.join(' / ')}`;
  const purchase = form.stages.purchase.split(',').map((v) => v.trim()).filter(Boolean);
  return `a purchase (${(purchase.length > 0 ? purchase : ['buy', 'purchase']).join(' / ')})`;
}

/** Step 1: the feature builder form (events table, template, key/time/value columns, as-of date, filter). */
export function FeatureBuilderForm(props: FeatureBuilderFormProps): JSX.Element {
  const { tables, form, formColumns, setForm, onChooseTable, onTemplate, asOfIsAuto, snapshot, busy, job, onGenerate } = props;
  const labelDays = form.labelWindow.trim() ? parseDayCount(form.labelWindow) : null;
  // The event type is needed by funnels and offered wherever event types split the counts or name the label event.
  const needsEvents = form.template === 'funnel' || form.template === 'all' || form.template === 'windowed' || form.labelWindow.trim() !== '';
  const needsCategory = form.template === 'category_shares' || form.template === 'all';
  const needsWindows = form.template === 'windowed' || form.template === 'all';
  return (
    <fieldset className="form-group" data-testid="features-form">
      <legend>Feature builder</legend>
      <TableSelect label="Events / orders table" value={form.table} tables={tables} onChange={onChooseTable} testId="features-table" />
      <label className="seg-field">
        <span>Template</span>
        <select
          value={form.template}
          onChange={(event) => onTemplate(event.target.value as FeatureTemplateChoice)}
          data-testid="features-template"
        >
          {FEATURE_TEMPLATE_CHOICES.map((t) => (
            <option key={t} value={t}>
              {TEMPLATE_LABELS[t]}
            </option>
          ))}
        </select>
      </label>
      <ColumnSelect label="Entity key" value={form.key} columns={formColumns} onChange={(key) => setForm({ key })} testId="features-key" />
      <ColumnSelect label="Time" value={form.time} columns={formColumns} onChange={(time) => setForm({ time })} testId="features-time" />
      {form.time && !/^(DATE|TIMESTAMP|VARCHAR)/i.test(formColumns.find((c) => c.name === form.time)?.type ?? 'DATE') && (
        <label className="seg-field">
          <span>Numeric time is</span>
          <select value={form.timeUnit} onChange={(event) => setForm({ timeUnit: event.target.value as FeatureFormState['timeUnit'] })}>
            <option value="">Unix seconds</option>
            <option value="milliseconds">Unix milliseconds</option>
          </select>
        </label>
      )}
      <ColumnSelect label="Order key" value={form.order} columns={formColumns} optional onChange={(order) => setForm({ order })} testId="features-order" />
      <label className="seg-field">
        <span>Value (SQL expression)</span>
        <input type="text" value={form.value} placeholder={'e.g. "Quantity" * "UnitPrice"'} onChange={(event) => setForm({ value: event.target.value })} data-testid="features-value" />
      </label>
      {needsEvents && (
        <>
          <ColumnSelect label="Event type" value={form.eventType} columns={formColumns} optional={form.template !== 'funnel'} onChange={(eventType) => setForm({ eventType })} testId="features-event-type" />
          {form.eventType && (
            <div className="seg-stages" aria-label="Funnel stage values">
              {(['view', 'cart', 'fav', 'purchase'] as const).map((stage) => (
                <label key={stage} className="seg-field">
                  <span>{stage}</span>
                  <input
                    type="text"
                    value={form.stages[stage]}
                    placeholder={{ view: 'pv, view', cart: 'cart', fav: 'fav', purchase: 'buy, purchase' }[stage]}
                    onChange={(event) => setForm({ stages: { ...form.stages, [stage]: event.target.value } })}
                    data-testid={`features-stage-${stage}`}
                  />
                </label>
              ))}
            </div>
          )}
        </>
      )}
      {needsCategory && (
        <>
          <ColumnSelect label="Category" value={form.category} columns={formColumns} optional={form.template === 'all'} onChange={(category) => setForm({ category })} testId="features-category" />
          <label className="seg-field">
            <span>Top categories</span>
            <input type="text" inputMode="numeric" value={form.topCategories} placeholder="10" onChange={(event) => setForm({ topCategories: event.target.value })} />
          </label>
        </>
      )}
      {needsWindows && (
        <>
          <label className="seg-field">
            <span>Windows (days before as of)</span>
            <input
              type="text"
              value={form.windows}
              placeholder={form.template === 'windowed' ? '1, 3, 7, 30' : 'none (e.g. 1, 3, 7, 30)'}
              onChange={(event) => setForm({ windows: event.target.value })}
              data-testid="features-windows"
            />
          </label>
          <ColumnSelect label="Item (distinct items per window)" value={form.item} columns={formColumns} optional onChange={(item) => setForm({ item })} testId="features-item" />
        </>
      )}
      <ColumnSelect label="Session key" value={form.session} columns={formColumns} optional onChange={(session) => setForm({ session })} testId="features-session" />
      <label className="seg-field">
        <span>As of (YYYY-MM-DD)</span>
        <input type="text" value={form.asOf} placeholder="YYYY-MM-DD" onChange={(event) => setForm({ asOf: event.target.value })} data-testid="features-as-of" />
        {snapshot && (
          <small className="muted" data-testid="features-as-of-hint">
            {asOfHint(asOfIsAuto, snapshot, form.time, labelDays)}
          </small>
        )}
      </label>
      <label className="seg-field">
        <span>From (lower bound, YYYY-MM-DD)</span>
        <input type="text" value={form.from} placeholder="none: every event before as of" onChange={(event) => setForm({ from: event.target.value })} data-testid="features-from" />
      </label>
      <label className="seg-field">
        <span>Label window (days after as of)</span>
        <input type="text" value={form.labelWindow} placeholder="none (e.g. 1d): no label" onChange={(event) => setForm({ labelWindow: event.target.value })} data-testid="features-label-window" />
      </label>
      {form.labelWindow.trim() !== '' && form.eventType && (
        <label className="seg-field">
          <span>Label event (stages or event types)</span>
          <input type="text" value={form.labelEvents} placeholder="purchase" onChange={(event) => setForm({ labelEvents: event.target.value })} data-testid="features-label-events" />
        </label>
      )}
      {labelDays !== null && (
        <small className="muted" data-testid="features-label-hint">
          Adds label: 1 when {form.eventType ? labelEventWords(form) : 'any event'} happened in the {labelDays} day{labelDays === 1 ? '' : 's'} from as of on, else 0
          {form.value.trim() ? '; label_spend: its value there' : ''}. Features see only events before as of.
        </small>
      )}
      <label className="seg-field">
        <span>UTC offset (hours)</span>
        <input type="text" inputMode="decimal" value={form.utcOffsetHours} placeholder="0" onChange={(event) => setForm({ utcOffsetHours: event.target.value })} />
      </label>
      <label className="seg-field seg-field-wide">
        <span>Filter (SQL condition)</span>
        <textarea rows={2} value={form.where} placeholder={'e.g. "CustomerID" IS NOT NULL AND "Quantity" > 0'} onChange={(event) => setForm({ where: event.target.value })} data-testid="features-where" />
      </label>
      <button type="button" className="btn btn-primary" onClick={onGenerate} disabled={busy || !form.table} data-testid="features-generate">
        Generate SQL
      </button>
      <SegmentsJobLine job={job} which={['generate']} />
    </fieldset>
  );
}
