import type { JSX } from 'react';
import type { ColumnInfo, TableInfo } from '../../../workers/api';
import { ColumnSelect, TableSelect } from './SegmentFields';

import type { TrackedJob } from '../../use-engine-job';
import { SegmentsJobLine, type SegmentsJob } from './SegmentsJobLine';
import { FEATURE_TEMPLATE_CHOICES, type FeatureFormState, type FeatureTemplateChoice } from './types';

const TEMPLATE_LABELS: Record<FeatureTemplateChoice, string> = {
  rfm: 'RFM (recency, frequency, monetary, AOV, activity)',
  funnel: 'Funnel (view → cart → purchase counts and rates)',
  category_shares: 'Category shares',
  time_shares: 'Hour-of-day and weekday shares',
  all: 'All of the above',
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
  /** The as-of date on screen is the default the view computed (the day after the latest time). */
  asOfIsAuto: boolean;
  busy: boolean;
  job: TrackedJob<SegmentsJob> | null;
  onGenerate(): void;
}

/** Step 1: the feature builder form (events table, template, key/time/value columns, as-of date, filter). */
export function FeatureBuilderForm(props: FeatureBuilderFormProps): JSX.Element {
  const { tables, form, formColumns, setForm, onChooseTable, onTemplate, asOfIsAuto, busy, job, onGenerate } = props;
  const needsEvents = form.template === 'funnel' || form.template === 'all';
  const needsCategory = form.template === 'category_shares' || form.template === 'all';
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
          <ColumnSelect label="Event type" value={form.eventType} columns={formColumns} optional={form.template === 'all'} onChange={(eventType) => setForm({ eventType })} testId="features-event-type" />
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
      <ColumnSelect label="Session key" value={form.session} columns={formColumns} optional onChange={(session) => setForm({ session })} testId="features-session" />
      <label className="seg-field">
        <span>As of (YYYY-MM-DD)</span>
        <input type="text" value={form.asOf} placeholder="YYYY-MM-DD" onChange={(event) => setForm({ asOf: event.target.value })} data-testid="features-as-of" />
        {asOfIsAuto && (
          <small className="muted" data-testid="features-as-of-hint">
            the day after the latest {form.time}
          </small>
        )}
      </label>
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
