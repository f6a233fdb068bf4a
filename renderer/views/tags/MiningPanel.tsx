import { useEffect, useMemo, useRef, useState, type JSX } from 'react';
import { tableFromIPC } from 'apache-arrow';
import type { ColumnInfo, EngineClient, MinedRuleReport, RulesMineResult } from '../../../workers/api';
import { ColumnOptions } from '../../components/PickerOptions';
import { ErrorPanel, RunControls } from '../../components/Feedback';
import { describeError, describeJobFailure } from '../../errors';
import { formatCount, formatMs } from '../../format';
import { useEngineJob } from '../../use-engine-job';
import { quoteIdentifier } from '../sql/schema-completion';
import { applicationSentence, formatEstimate, formatShare, mineParamsFromForm, miningGateNote, ruleIdentifier, segmentColumns } from './tag-data';
import type { MiningForm } from './types';
import { COLUMN_VALUES_SHOWN, useColumnValues } from './use-column-values';
import { KeptOption } from './KeptOption';
import { keptColumnLabel, keptValueLabel } from './kept-choice';

interface MiningPanelProps {
  engine: EngineClient;
  table: string;
  columns: readonly ColumnInfo[];
  form: MiningForm;
  /** The Validate tab's precision gate, as typed: mining states it and warns when it aims below it. */
  gatePrecision: string;
  onFormChange(next: MiningForm): void;
  /** A mining run finished (validation pre-fills its label from it). */
  onMined(result: RulesMineResult): void;
  /** Adds the chosen mined rules to the tag set; returns how many were added. */
  onAddTags(result: RulesMineResult, ids: ReadonlySet<string>): number;
}

/** Example rows of a rule: the row numbers the engine gave, read back with the rule's columns. */
interface ExampleRows {
  ruleId: string;
  columns: string[];
  rows: Array<{ key: string; right: boolean; values: string[] }>;
}

function ruleColumnsOf(text: string, columns: readonly ColumnInfo[]): string[] {
  // Columns whose (quoted or bare) name appears in the canonical rule text, in table order.
  return columns.filter((c) => new RegExp(`(^|[^A-Za-z0-9_"])${ruleIdentifier(c.name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_"])`).test(text)).map((c) => c.name);
}

/** Rule mining: a target, the search's limits, progress and cancel; rules with their evidence. */
export function MiningPanel({ engine, table, columns, form, gatePrecision, onFormChange, onMined, onAddTags }: MiningPanelProps): JSX.Element {
  const { job: running, track } = useEngineJob();
  // A result remembers the table it was mined on: its example rows are row numbers of that table.
  const [mined, setMined] = useState<{ table: string; result: RulesMineResult } | null>(null);
  const result = mined && mined.table === table ? mined.result : null;
  const tableRef = useRef(table);
  tableRef.current = table;
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [examples, setExamples] = useState<ExampleRows | null>(null);
  const values = useColumnValues(engine, table, form.target);
  const targetChoices = form.targetKind === 'segment' ? segmentColumns(columns) : columns;
  const targetType = columns.find((c) => c.name === form.target)?.type ?? '';
  const isBoolean = /^BOOL/i.test(targetType);
  // A target this table lacks has no values to load (the query fails): its positive is not here either.
  const targetValues = columns.some((c) => c.name === form.target) ? values : [];

  const update = (change: Partial<MiningForm>): void => onFormChange({ ...form, ...change });

  // Another table: the rules, their example rows and the "added" note were about the old one.
  useEffect(() => {
    setMined((current) => (current && current.table !== table ? null : current));
    setExamples(null);
    setNote(null);
  }, [table]);

  const run = async (): Promise<void> => {
    if (running) return;
    setError(null);
    setNote(null);
    const built = mineParamsFromForm(form, table);
    if (!built.ok) {
      setError(built.problems.join(' '));
      return;
    }
    try {
      const minedOn = table;
      const mined = await track('Mining', (options) => engine.start('rules.mine', built.value, options));
      if (tableRef.current !== minedOn) {
        setError(`Mining on “${minedOn}” finished after the table changed to “${tableRef.current}”; its rules are not shown. Mine again on this table.`);
        return;
      }
      setMined({ table: minedOn, result: mined });
      onMined(mined);
      setChosen(new Set(mined.rules.map((r) => r.id)));
      setExamples(null);
    } catch (err) {
      setError(describeJobFailure('Mining', err));
    }
  };

  const toggle = (id: string): void => {
    const next = new Set(chosen);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setChosen(next);
  };

  const showExamples = async (rule: MinedRuleReport): Promise<void> => {
    if (!result) return;
    const keys = [...rule.examples.truePositives, ...rule.examples.falsePositives];
    const numbers = keys.map(Number).filter((n) => Number.isInteger(n) && n >= 0);
    if (numbers.length === 0) return;
    const shown = [...new Set([...ruleColumnsOf(rule.text, columns), result.target])];
    // The engine names example rows by their 0-based position in the table's scan order.
    const sql = `SELECT __row, ${shown.map((c) => `CAST(${quoteIdentifier(c)} AS VARCHAR) AS ${quoteIdentifier(c)}`).join(', ')} FROM (SELECT row_number() OVER () - 1 AS __row, * FROM ${quoteIdentifier(table)}) WHERE __row IN (${numbers.join(', ')}) ORDER BY __row`;
    try {
      const res = await engine.run('sql.run', { sql, preview: numbers.length });
      if (res.resultId !== null) void engine.run('sql.release', { resultId: res.resultId }).catch(() => undefined);
      if (tableRef.current !== table) return;
      const arrow = tableFromIPC(res.preview);
      const right = new Set(rule.examples.truePositives);
      const rows = arrow.toArray().map((row) => {
        const record = (row as { toJSON(): Record<string, unknown> }).toJSON();
        const key = String(record.__row);
        return { key, right: right.has(key), values: shown.map((c) => (record[c] === null || record[c] === undefined ? 'NULL' : String(record[c]))) };
      });
      setExamples({ ruleId: rule.id, columns: shown, rows });
    } catch (err) {
      setError(`Could not read the example rows: ${describeError(err)}`);
    }
  };

  const add = (): void => {
    if (!result) return;
    const n = onAddTags(result, chosen);
    setNote(n > 0 ? `Added ${n} draft tag${n === 1 ? '' : 's'} to the set. Validate them to move them to validated.` : 'Choose at least one rule to add.');
  };

  const sentence = useMemo(() => (result ? applicationSentence(result.rules.length, result.target, result.positive) : ''), [result]);

  return (
    <div className="tags-panel" data-testid="tags-mining">
      <section className="models-card">
        <header className="models-card-head">
          <h3>Mine rules for a target</h3>
        </header>
        <div className="tags-form-grid">
          <div className="models-radio" role="radiogroup" aria-label="Target kind">
            <label>
              <input type="radio" name="tags-mine-kind" checked={form.targetKind === 'label'} onChange={() => update({ targetKind: 'label', target: '', positive: '' })} /> Label column
            </label>
            <label>
              <input type="radio" name="tags-mine-kind" checked={form.targetKind === 'segment'} onChange={() => update({ targetKind: 'segment', target: '', positive: '' })} /> Segment
            </label>
          </div>
          <label className="models-inline">
            {form.targetKind === 'segment' ? 'Segment column' : 'Target'}
            <select value={form.target} onChange={(e) => update({ target: e.target.value, positive: '' })} data-testid="mine-target">
              <option value="">{targetChoices.length === 0 ? (form.targetKind === 'segment' ? 'no segment column in this table' : 'no columns') : 'Choose…'}</option>
              <KeptOption value={form.target} label={keptColumnLabel(form.target, targetChoices, columns)} />
              <ColumnOptions columns={targetChoices} />
            </select>
          </label>
          <label className="models-inline">
            {form.targetKind === 'segment' ? 'Segment' : 'Positive value'}
            <select value={form.positive} onChange={(e) => update({ positive: e.target.value })} data-testid="mine-positive" disabled={!form.target}>
              <option value="">{form.targetKind === 'segment' ? 'Choose…' : isBoolean ? 'true (boolean column)' : 'Choose…'}</option>
              <KeptOption value={form.positive} label={keptValueLabel(form.positive, targetValues, COLUMN_VALUES_SHOWN)} />
              {(values ?? []).slice(0, COLUMN_VALUES_SHOWN).map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          </label>
          <label className="models-inline" title="Each rule must be right at least this often on out-of-bag rows">
            Min precision <input type="text" inputMode="decimal" size={5} value={form.minPrecision} onChange={(e) => update({ minPrecision: e.target.value })} data-testid="mine-min-precision" />
          </label>
          <label className="models-inline" title="A share of rows below 1 (0.01 = 1%), or a row count from 1">
            Min support <input type="text" inputMode="decimal" size={6} value={form.minSupport} onChange={(e) => update({ minSupport: e.target.value })} data-testid="mine-min-support" />
          </label>
          <label className="models-inline">
            Max rules <input type="text" inputMode="numeric" size={4} value={form.maxRules} onChange={(e) => update({ maxRules: e.target.value })} data-testid="mine-max-rules" />
          </label>
          <label className="models-inline">
            Conditions per rule <input type="text" inputMode="numeric" size={3} value={form.maxConditions} onChange={(e) => update({ maxConditions: e.target.value })} />
          </label>
          <label className="models-inline" title="The same seed gives the same rules">
            Seed <input type="text" inputMode="numeric" size={6} value={form.seed} onChange={(e) => update({ seed: e.target.value })} data-testid="mine-seed" />
          </label>
          <label className="models-inline" title="The search stops after this long and keeps what it found">
            Time budget (s) <input type="text" inputMode="decimal" size={5} value={form.timeBudgetSeconds} onChange={(e) => update({ timeBudgetSeconds: e.target.value })} data-testid="mine-budget" />
          </label>
          {columns.length > 0 && (
            <details className="tags-exclude">
              <summary>Columns rules must not use ({form.exclude.length})</summary>
              <ul className="models-features">
                {columns
                  .filter((c) => c.name !== form.target)
                  .map((c) => (
                    <li key={c.name}>
                      <label>
                        <input
                          type="checkbox"
                          checked={form.exclude.includes(c.name)}
                          onChange={(e) => update({ exclude: e.target.checked ? [...form.exclude, c.name] : form.exclude.filter((x) => x !== c.name) })}
                        />{' '}
                        <span className="models-feature-name">{c.name}</span>
                      </label>
                    </li>
                  ))}
              </ul>
            </details>
          )}
        </div>
        <p className="small muted" data-testid="mine-gate-note">
          {miningGateNote(form.minPrecision, gatePrecision)}
        </p>
        <RunControls job={running} onRun={() => void run()} disabled={!table || !form.target} testIdPrefix="mine">
          ▶ Mine rules
        </RunControls>
        {error && <ErrorPanel message={error} testId="mine-error" />}
      </section>

      {result && (
        <section className="models-card" data-testid="mine-result">
          <header className="models-card-head">
            <h3>
              {result.rules.length} rule{result.rules.length === 1 ? '' : 's'} for {result.target} = {result.positive}
            </h3>
            <span className="muted small">
              trained on {formatCount(result.rows.train)} rows, measured on {formatCount(result.rows.holdout)} holdout rows · seed {result.seed} · {formatMs(result.elapsedMs)}
              {result.stoppedEarly ? ' · stopped at the time budget' : ''}
            </span>
          </header>
          <p className="tags-application" data-testid="mine-application">
            <strong>How the set applies:</strong> {sentence} Each rule you add also becomes a tag of its own.
          </p>
          <p className="small" data-testid="mine-set-metrics">
            Any rule fires (holdout): precision {formatEstimate(result.set.holdout.precision)}, recall {formatEstimate(result.set.holdout.recall)}, F1 {formatEstimate(result.set.holdout.f1)}, coverage{' '}
            {formatEstimate(result.set.holdout.coverage, true)}; base rate {formatShare(result.baseRate.holdout, true)}.
          </p>
          {result.warnings.length > 0 && (
            <ul className="models-warnings" data-testid="mine-warnings">
              {result.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          )}
          <ol className="tags-rules" data-testid="mine-rules">
            {result.rules.map((rule, k) => (
              <li key={rule.id} className="tags-rule" data-testid="mined-rule">
                <label className="tags-rule-head">
                  <input type="checkbox" checked={chosen.has(rule.id)} onChange={() => toggle(rule.id)} aria-label={`Add rule ${k + 1}`} />
                  <code className="tags-rule-text">{rule.text}</code>
                  <span className="type-badge">{rule.origin === 'tree' ? 'tree path' : 'beam search'}</span>
                </label>
                <div className="tags-evidence small">
                  <span>
                    holdout: precision <b>{formatEstimate(rule.holdout.precision)}</b>, recall {formatEstimate(rule.holdout.recall)}, coverage {formatEstimate(rule.holdout.coverage, true)}, lift {formatEstimate(rule.holdout.lift)}
                  </span>
                  <span>
                    holdout counts: {formatCount(rule.holdout.support)} rows tagged, {formatCount(rule.holdout.tp)} right, {formatCount(rule.holdout.fp)} wrong, {formatCount(rule.holdout.fn)} positives missed
                  </span>
                  <span className="muted">
                    train: {formatCount(rule.train.support)} rows, {formatCount(rule.train.tp)} right, {formatCount(rule.train.fp)} wrong · out-of-bag: {formatCount(rule.outOfBag.support)} rows, {formatCount(rule.outOfBag.tp)} right
                  </span>
                  <span>
                    example rows (holdout): right {rule.examples.truePositives.join(', ') || '—'}; wrong {rule.examples.falsePositives.join(', ') || '—'}{' '}
                    <button type="button" className="btn btn-small" onClick={() => void showExamples(rule)} disabled={rule.examples.truePositives.length + rule.examples.falsePositives.length === 0}>
                      Show rows
                    </button>
                  </span>
                </div>
                {examples && examples.ruleId === rule.id && (
                  <table className="tags-table small" data-testid="mine-examples">
                    <thead>
                      <tr>
                        <th>row</th>
                        <th>rule</th>
                        {examples.columns.map((c) => (
                          <th key={c}>{c}</th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {examples.rows.map((row) => (
                        <tr key={row.key}>
                          <td>{row.key}</td>
                          <td className={row.right ? 'tags-pass' : 'tags-fail'}>{row.right ? 'right' : 'wrong'}</td>
                          {row.values.map((v, i) => (
                            <td key={examples.columns[i]}>{v}</td>
                          ))}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </li>
            ))}
          </ol>
          {result.set.cumulative.length > 1 && (
            <p className="small muted">
              As rules are added (holdout):{' '}
              {result.set.cumulative.map((c) => `${c.rules} → precision ${formatShare(c.precision)}, recall ${formatShare(c.recall)}`).join('; ')}.
            </p>
          )}
          <div className="models-train-row">
            <button type="button" className="btn btn-primary" onClick={add} disabled={chosen.size === 0} data-testid="mine-add">
              Add {chosen.size} to tags
            </button>
            {note && (
              <span className="small" role="status" data-testid="mine-note">
                {note}
              </span>
            )}
          </div>
        </section>
      )}
    </div>
  );
}
