import { useMemo, useState, type JSX } from 'react';
import type { ColumnInfo, CoverageOnly, EngineClient, TagMetrics, TagsValidateResult, ValueStats } from '../../../workers/api';
import { ColumnOptions } from '../../components/PickerOptions';
import { ErrorPanel, RunControls } from '../../components/Feedback';
import { describeJobFailure } from '../../errors';
import { formatCount, formatMs } from '../../format';
import { useEngineJob } from '../../use-engine-job';
import { PlotlyChart } from '../models/PlotlyChart';
import { formatEstimate, formatShare, tagLeftOutReason, tagsToValidate, validateParamsFromForm } from './tag-data';
import { overlapFigure, stabilityFigure } from './tag-figures';
import type { TagSet, ValidationForm } from './types';
import { COLUMN_VALUES_SHOWN, useColumnValues } from './use-column-values';
import { KeptOption } from './KeptOption';
import { keptColumnLabel, keptValueLabel } from './kept-choice';
import { formatValueAmount, formatValueDifference, formatValueLift, formatValueShare } from '../../format-value';
import { withValueParams, type ValueFields } from './value-params';

interface ValidationPanelProps {
  engine: EngineClient;
  table: string;
  columns: readonly ColumnInfo[];
  tagSet: TagSet;
  form: ValidationForm;
  onFormChange(next: ValidationForm): void;
  /** The verdicts came back: statuses and gate badges go into the set. */
  onValidated(result: TagsValidateResult, sent: TagSet): void;
  visible: boolean;
}

function hasTarget(m: TagMetrics | CoverageOnly): m is TagMetrics {
  return 'precision' in m;
}

const TIME_TYPE = /^(DATE|TIMESTAMP|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL)/i;

/** GMV share, lift and mean value of a tag (or the set), when the validation had a value. */
function ValueCells({ v }: { v: ValueStats | undefined }): JSX.Element {
  if (!v) return <td colSpan={3} className="muted">—</td>;
  return (
    <>
      <td data-testid="validate-value-share">{formatValueShare(v.share)}</td>
      <td data-testid="validate-value-lift">{formatValueLift(v.lift)}</td>
      <td title={`${formatValueDifference(v.difference)} vs the rest${v.warnings.length > 0 ? `; ${v.warnings.join('; ')}` : ''}`}>{formatValueAmount(v.meanTagged)}</td>
    </>
  );
}

function MetricCells({ m }: { m: TagMetrics | CoverageOnly }): JSX.Element {
  return (
    <>
      <td>{formatEstimate(m.coverage, true)}</td>
      <td>{formatCount(m.support)}</td>
      <td>{hasTarget(m) ? formatEstimate(m.precision) : '—'}</td>
      <td>{hasTarget(m) ? formatEstimate(m.recall) : '—'}</td>
      <td>{hasTarget(m) ? formatEstimate(m.f1) : '—'}</td>
      <td>{hasTarget(m) ? formatEstimate(m.lift) : '—'}</td>
    </>
  );
}

/** Validation: a split, gates, per-tag metrics with 95% intervals, stability and overlap. */
export function ValidationPanel({ engine, table, columns, tagSet, form, onFormChange, onValidated, visible }: ValidationPanelProps): JSX.Element {
  const { job: running, track } = useEngineJob();
  const [result, setResult] = useState<TagsValidateResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The value (GMV) fields are kept while the view is open, not in the workspace file.
  const [valueFields, setValueFields] = useState<ValueFields>({ expression: '', minLift: '' });
  const values = useColumnValues(engine, table, form.target);
  const targetType = columns.find((c) => c.name === form.target)?.type ?? '';
  // A target this table lacks has no values to load (the query fails): its positive is not here either.
  const targetValues = columns.some((c) => c.name === form.target) ? values : [];
  const timeColumns = columns.filter((c) => TIME_TYPE.test(c.type));
  const update = (change: Partial<ValidationForm>): void => onFormChange({ ...form, ...change });

  const run = async (): Promise<void> => {
    if (running) return;
    setError(null);
    const built = validateParamsFromForm(form, table, tagSet);
    if (!built.ok) {
      setError(built.problems.join(' '));
      return;
    }
    const valued = withValueParams(built.value, valueFields);
    if (!valued.ok) {
      setError(valued.problems.join(' '));
      return;
    }
    const sent = tagSet;
    try {
      const validated = await track('Validation', (options) => engine.start('tags.validate', valued.value, options));
      setResult(validated);
      onValidated(validated, sent);
    } catch (err) {
      setError(describeJobFailure('Validation', err));
    }
  };

  // Which tags this table can run (by their columns): the rest are unticked-able and shown why.
  const chosen = tagsToValidate(form, tagSet);
  const reasons = useMemo(() => new Map(tagSet.tags.map((t) => [t.id, tagLeftOutReason(t, columns, table)])), [tagSet, columns, table]);
  const runnable = chosen.filter((t) => reasons.get(t.id) === null);
  const toggleTag = (id: string, on: boolean): void => update({ skipTags: on ? form.skipTags.filter((x) => x !== id) : [...form.skipTags, id] });

  const overlap = useMemo(() => (result && result.overlap.ids.length > 1 ? overlapFigure(result.overlap) : null), [result]);
  const stability = useMemo(() => (result ? stabilityFigure(result.tags) : null), [result]);
  const passed = result ? result.tags.filter((t) => t.gates.passed).length : 0;

  return (
    <div className="tags-panel" data-testid="tags-validation">
      <section className="models-card">
        <header className="models-card-head">
          <h3>Validate the tag set on holdout rows</h3>
        </header>
        <div className="tags-form-grid">
          <label className="models-inline">
            Target
            <select value={form.target} onChange={(e) => update({ target: e.target.value, positive: '' })} data-testid="validate-target">
              <option value="">(none: coverage only)</option>
              <KeptOption value={form.target} label={keptColumnLabel(form.target, columns)} />
              <ColumnOptions columns={columns} />
            </select>
          </label>
          <label className="models-inline">
            Positive value
            <select value={form.positive} onChange={(e) => update({ positive: e.target.value })} disabled={!form.target} data-testid="validate-positive">
              <option value="">{/^BOOL/i.test(targetType) ? 'true (boolean column)' : 'Choose…'}</option>
              <KeptOption value={form.positive} label={keptValueLabel(form.positive, targetValues, COLUMN_VALUES_SHOWN)} />
              {(values ?? []).slice(0, COLUMN_VALUES_SHOWN).map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          </label>
          <label className="models-inline">
            Split
            <select value={form.split} onChange={(e) => update({ split: e.target.value as ValidationForm['split'] })} data-testid="validate-split">
              <option value="stratified">stratified (keeps the class balance)</option>
              <option value="random">random</option>
              <option value="time">by time (latest rows held out)</option>
              <option value="all">all rows (data no rule was mined on)</option>
            </select>
          </label>
          {form.split !== 'all' && (
            <>
              <label className="models-inline">
                Holdout share <input type="text" inputMode="decimal" size={5} value={form.holdoutShare} onChange={(e) => update({ holdoutShare: e.target.value })} data-testid="validate-holdout" />
              </label>
              <label className="models-inline" title="Mining holds out the same rows with the same seed and share">
                Seed <input type="text" inputMode="numeric" size={6} value={form.seed} onChange={(e) => update({ seed: e.target.value })} />
              </label>
            </>
          )}
          <label className="models-inline" title="For a time split, and for stability across time windows">
            Time column
            <select value={form.timeColumn} onChange={(e) => update({ timeColumn: e.target.value })} data-testid="validate-time-column">
              <option value="">(none)</option>
              <KeptOption value={form.timeColumn} label={keptColumnLabel(form.timeColumn, timeColumns, columns)} />
              <ColumnOptions columns={timeColumns} />
            </select>
          </label>
          <label className="models-inline">
            Windows <input type="text" inputMode="numeric" size={3} value={form.windows} onChange={(e) => update({ windows: e.target.value })} />
          </label>
          <label className="models-inline" title="A value per row to judge each tag by (numeric columns, numbers, + - * /): the tagged rows' share of the total value, the lift (share ÷ coverage) and the mean value, with 95% intervals">
            Value (GMV) <input type="text" size={22} placeholder="e.g. Quantity * UnitPrice" value={valueFields.expression} onChange={(e) => setValueFields({ ...valueFields, expression: e.target.value })} data-testid="validate-value" />
          </label>
        </div>
        <div className="tags-gates" role="group" aria-label="Gates">
          <strong className="small">Gates per tag (on holdout):</strong>
          <label className="models-inline">
            precision ≥ <input type="text" inputMode="decimal" size={5} value={form.minPrecision} onChange={(e) => update({ minPrecision: e.target.value })} data-testid="gate-precision" />
          </label>
          <label className="models-inline">
            coverage ≥ <input type="text" inputMode="decimal" size={5} value={form.minCoveragePercent} onChange={(e) => update({ minCoveragePercent: e.target.value })} data-testid="gate-coverage" />%
          </label>
          <label className="models-inline" title="Needs a value: the tagged rows' share of the value over their share of rows">
            GMV lift ≥ <input type="text" inputMode="decimal" size={5} placeholder="—" value={valueFields.minLift} onChange={(e) => setValueFields({ ...valueFields, minLift: e.target.value })} data-testid="gate-value-lift" />
          </label>
          <span className="muted small">A tag becomes validated only when it passes every gate; a failing tag goes back to draft.</span>
        </div>
        {tagSet.tags.length > 0 && (
          <details className="tags-exclude" open={reasons.size > 0 && [...reasons.values()].some((r) => r !== null)} data-testid="validate-choose">
            <summary>
              Tags to validate ({runnable.length} of {tagSet.tags.length} on {table || 'no table'})
            </summary>
            <div className="small">
              <button type="button" className="btn btn-small" onClick={() => update({ skipTags: [] })}>
                All
              </button>{' '}
              <button type="button" className="btn btn-small" onClick={() => update({ skipTags: tagSet.tags.filter((t) => reasons.get(t.id) !== null).map((t) => t.id) })} data-testid="validate-choose-applicable">
                Only those that apply to {table || 'the table'}
              </button>
            </div>
            <ul className="models-features">
              {tagSet.tags.map((t) => {
                const reason = reasons.get(t.id) ?? null;
                return (
                  <li key={t.id} data-testid="validate-choice" data-tag-id={t.id} data-applies={reason === null ? 'true' : 'false'}>
                    <label>
                      <input type="checkbox" checked={!form.skipTags.includes(t.id)} onChange={(e) => toggleTag(t.id, e.target.checked)} aria-label={`Validate ${t.name}`} />{' '}
                      <span className="models-feature-name">{t.name}</span>
                      {reason !== null && <span className="muted small"> — left out here: {reason}</span>}
                    </label>
                  </li>
                );
              })}
            </ul>
          </details>
        )}
        <RunControls job={running} onRun={() => void run()} disabled={!table || tagSet.tags.length === 0 || chosen.length === 0} testIdPrefix="validate">
          ▶ Validate {runnable.length === chosen.length ? chosen.length : runnable.length} tag{(runnable.length === chosen.length ? chosen.length : runnable.length) === 1 ? '' : 's'}
        </RunControls>
        {error && <ErrorPanel message={error} testId="validate-error" />}
      </section>

      {result && (
        <section className="models-card" data-testid="validate-result">
          <header className="models-card-head">
            <h3>
              {passed} of {result.tags.length} tag{result.tags.length === 1 ? '' : 's'} pass their gates
            </h3>
            <span className="muted small">
              {formatCount(result.rows.holdout)} holdout rows ({result.split.kind}
              {result.split.kind !== 'all' && result.split.holdoutFraction !== undefined ? `, ${Math.round(result.split.holdoutFraction * 100)}%` : ''}) · {formatMs(result.elapsedMs)}
            </span>
          </header>
          <p className="muted small">Each figure is measured on holdout rows, with its 95% interval in brackets (Wilson for coverage, precision and recall; a posterior interval for F1 and lift).</p>
          {(result.warnings ?? []).length > 0 && (
            <ul className="models-warnings" data-testid="validate-warnings">
              {(result.warnings ?? []).map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          )}
          {result.value && (
            <p className="muted small" data-testid="validate-value-note">
              Value: {result.value.expression} ({result.value.per === 'row' ? 'per row' : `summed per ${result.value.key ?? 'entity'}`}), total {formatValueAmount({ value: result.value.total, low: null, high: null })}. GMV share and lift have delta-method 95% intervals; lift = share ÷ coverage.
              {result.value.warnings.length > 0 && ` Note: ${result.value.warnings.join('; ')}.`}
            </p>
          )}
          <div className="tags-table-wrap">
            <table className="tags-table" data-testid="validate-table">
              <thead>
                <tr>
                  <th>tag</th>
                  <th>status</th>
                  <th>gates</th>
                  <th>coverage</th>
                  <th>support</th>
                  <th>precision</th>
                  <th>recall</th>
                  <th>F1</th>
                  <th>lift</th>
                  {result.value && (
                    <>
                      <th>GMV share</th>
                      <th>GMV lift</th>
                      <th>mean value</th>
                    </>
                  )}
                </tr>
              </thead>
              <tbody>
                {result.tags.map((t) => (
                  <tr key={t.id} data-testid="validate-row" data-tag-id={t.id} data-passed={t.gates.passed ? 'true' : 'false'}>
                    <td title={t.text}>{t.name}</td>
                    <td>
                      {t.previousStatus === t.status ? t.status : `${t.previousStatus} → ${t.status}`}
                    </td>
                    <td className={t.gates.passed ? 'tags-pass' : 'tags-fail'}>
                      {t.gates.passed ? 'pass' : (
                        <>
                          fails: <span data-testid="validate-reasons">{t.gates.reasons.join('; ')}</span>
                        </>
                      )}
                    </td>
                    <MetricCells m={t.holdout} />
                    {result.value && <ValueCells v={t.value} />}
                  </tr>
                ))}
                <tr className="tags-set-row" data-testid="validate-set-row">
                  <td>(any tag fires)</td>
                  <td />
                  <td className={result.set.gates.passed ? 'tags-pass' : 'tags-fail'}>{result.set.gates.passed ? 'pass' : `fails: ${result.set.gates.reasons.join('; ')}`}</td>
                  <MetricCells m={result.set.holdout} />
                  {result.value && <ValueCells v={result.set.value} />}
                </tr>
              </tbody>
            </table>
          </div>
          {result.leftOut.length > 0 && (
            <ul className="models-warnings" data-testid="validate-left-out">
              {result.leftOut.map((t) => (
                <li key={t.id}>
                  Left out: {t.name} ({t.reason}).
                </li>
              ))}
            </ul>
          )}
          {result.skipped.length > 0 && (
            <ul className="models-warnings">
              {result.skipped.map((s) => (
                <li key={s.id}>
                  {s.name} was not measured: {s.reason}.
                </li>
              ))}
            </ul>
          )}
        </section>
      )}

      {result && stability && (
        <section className="models-card">
          <header className="models-card-head">
            <h3>Stability across time windows</h3>
          </header>
          <ul className="small tags-spread">
            {result.tags
              .filter((t) => t.stability)
              .map((t) => (
                <li key={t.id}>
                  {t.name}: precision spread {formatShare(t.stability?.spread.precision ?? null)}, coverage spread {formatShare(t.stability?.spread.coverage ?? null, true)} over {t.stability?.windows.length} windows
                </li>
              ))}
          </ul>
          <PlotlyChart figure={stability} label="Precision and coverage of each tag per time window" testId="validate-stability" height={300} visible={visible} />
        </section>
      )}

      {result && overlap && (
        <section className="models-card">
          <header className="models-card-head">
            <h3>Tag overlap (Jaccard of rows tagged, holdout)</h3>
          </header>
          <PlotlyChart figure={overlap} label="Tag overlap heatmap: Jaccard similarity of the rows each pair of tags fires on" testId="validate-overlap" visible={visible} />
        </section>
      )}
    </div>
  );
}
