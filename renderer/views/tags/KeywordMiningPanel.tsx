import { useEffect, useRef, useState, type JSX } from 'react';
import type { ColumnInfo, EngineClient, RulesMineKeywordsResult, TagSet } from '../../../workers/api';
import { ColumnOptions } from '../../components/PickerOptions';
import { ErrorPanel, RunControls } from '../../components/Feedback';
import { describeJobFailure } from '../../errors';
import { formatCount, formatMs } from '../../format';
import { useEngineJob } from '../../use-engine-job';
import { formatEstimate, formatShare } from './tag-data';
import { KeptOption } from './KeptOption';
import { keptColumnLabel } from './kept-choice';

interface KeywordMiningPanelProps {
  engine: EngineClient;
  table: string;
  columns: readonly ColumnInfo[];
  /** Adds the chosen mined tags (by id) to the tag set; returns how many were added. */
  onAddTags(tagSet: TagSet, ids: ReadonlySet<string>): number;
}

const isText = (c: ColumnInfo): boolean => /^(VARCHAR|TEXT|STRING)/i.test(c.type);

/**
 * Keyword rules for every class of a label column at once (rules.mineKeywords): per class the
 * chosen words and phrases with holdout precision, coverage and evidence rows; chosen rules become
 * draft tags that record their class.
 */
export function KeywordMiningPanel({ engine, table, columns, onAddTags }: KeywordMiningPanelProps): JSX.Element {
  const { job: running, track } = useEngineJob();
  const [text, setText] = useState('');
  const [target, setTarget] = useState('');
  const [minPrecision, setMinPrecision] = useState('0.85');
  const [phrases, setPhrases] = useState(true);
  // A result remembers the table it was mined on (its evidence rows are row numbers of that table).
  const [mined, setMined] = useState<{ table: string; result: RulesMineKeywordsResult } | null>(null);
  const result = mined && mined.table === table ? mined.result : null;
  const tableRef = useRef(table);
  tableRef.current = table;
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const textColumns = columns.filter(isText);
  const labelColumns = columns.filter((c) => c.name !== text);

  // Another table: the rules and the "added" note were about the old one.
  useEffect(() => {
    setMined((current) => (current && current.table !== table ? null : current));
    setNote(null);
  }, [table]);

  const run = async (): Promise<void> => {
    if (running) return;
    setError(null);
    setNote(null);
    const precision = Number(minPrecision);
    if (!(precision > 0 && precision <= 1)) {
      setError(`The minimum precision must be a number in (0, 1] (got "${minPrecision}").`);
      return;
    }
    try {
      const minedOn = table;
      const found = await track('Mining keywords', (options) => engine.start('rules.mineKeywords', { source: { table }, text, target, minPrecision: precision, phrases }, options));
      if (tableRef.current !== minedOn) {
        setError(`Keyword mining on “${minedOn}” finished after the table changed to “${tableRef.current}”; its rules are not shown. Mine again on this table.`);
        return;
      }
      setMined({ table: minedOn, result: found });
      setChosen(new Set(found.order));
    } catch (err) {
      setError(describeJobFailure('Keyword mining', err));
    }
  };

  const toggle = (id: string): void => {
    const next = new Set(chosen);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setChosen(next);
  };

  const add = (): void => {
    if (!result) return;
    const n = onAddTags(result.tagSet, chosen);
    setNote(n > 0 ? `Added ${n} draft tag${n === 1 ? '' : 's'} to the set; each records the class it assigns.` : 'Choose at least one rule to add.');
  };

  const withRules = result ? result.classes.filter((c) => c.rules.length > 0).length : 0;

  return (
    <section className="models-card" data-testid="keyword-mining">
      <header className="models-card-head">
        <h3>Keyword rules for every class of a label</h3>
      </header>
      <p className="small muted">
        Words and two-word phrases of a text column that find each class of a label column, all classes in one run: rules like <code>Description CONTAINS WORD &apos;mug&apos;</code>, chosen on out-of-bag rows and
        measured on holdout rows. A row gets the class of the first rule that fires.
      </p>
      <div className="tags-form-grid">
        <label className="models-inline">
          Text column
          <select value={text} onChange={(e) => setText(e.target.value)} data-testid="keyword-text">
            <option value="">{textColumns.length === 0 ? 'no text column' : 'Choose…'}</option>
            <KeptOption value={text} label={keptColumnLabel(text, textColumns, columns)} />
            <ColumnOptions columns={textColumns} />
          </select>
        </label>
        <label className="models-inline">
          Label column
          <select value={target} onChange={(e) => setTarget(e.target.value)} data-testid="keyword-target">
            <option value="">Choose…</option>
            <KeptOption value={target} label={keptColumnLabel(target, labelColumns, columns)} />
            <ColumnOptions columns={labelColumns} />
          </select>
        </label>
        <label className="models-inline" title="Each rule must be right at least this often on out-of-bag rows">
          Min precision <input type="text" inputMode="decimal" size={5} value={minPrecision} onChange={(e) => setMinPrecision(e.target.value)} data-testid="keyword-min-precision" />
        </label>
        <label className="models-inline">
          <input type="checkbox" checked={phrases} onChange={(e) => setPhrases(e.target.checked)} /> two-word phrases too
        </label>
      </div>
      <RunControls job={running} onRun={() => void run()} disabled={!table || !text || !target} testIdPrefix="keyword">
        ▶ Mine keyword rules
      </RunControls>
      {error && <ErrorPanel message={error} testId="keyword-error" />}

      {result && (
        <div data-testid="keyword-result">
          <p className="small">
            <strong>
              {result.order.length} rule{result.order.length === 1 ? '' : 's'} for {withRules} of {result.classes.length} classes of {result.target}
            </strong>{' '}
            · trained on {formatCount(result.rows.train)} rows, measured on {formatCount(result.rows.holdout)} holdout rows{result.rows.unlabelled > 0 ? ` · ${formatCount(result.rows.unlabelled)} rows without a label left out` : ''} · {formatMs(result.elapsedMs)}
          </p>
          <p className="small" data-testid="keyword-overall">
            All rules, first that fires (holdout): {formatCount(result.overall.labelled)} rows labelled (coverage {formatShare(result.overall.coverage, true)}), precision {formatShare(result.overall.precision)}.
          </p>
          {result.warnings.length > 0 && (
            <ul className="models-warnings">
              {result.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          )}
          <table className="tags-table small" data-testid="keyword-classes">
            <thead>
              <tr>
                <th>class</th>
                <th>rule</th>
                <th>precision (holdout)</th>
                <th>coverage</th>
                <th>rows</th>
                <th>evidence rows (right; wrong)</th>
              </tr>
            </thead>
            <tbody>
              {result.classes.flatMap((c) =>
                c.rules.length === 0
                  ? [
                      <tr key={`class:${c.label}`} data-testid="keyword-class-empty">
                        <td>{c.label}</td>
                        <td colSpan={5} className="muted">
                          no rule: {c.note ?? 'none passed'}
                        </td>
                      </tr>,
                    ]
                  : c.rules.map((r, k) => (
                      <tr key={r.id} data-testid="keyword-rule">
                        <td>{k === 0 ? c.label : ''}</td>
                        <td>
                          <label>
                            <input type="checkbox" checked={chosen.has(r.id)} onChange={() => toggle(r.id)} aria-label={`Add ${r.text}`} /> <code>{r.text}</code>
                          </label>
                        </td>
                        <td>{formatEstimate(r.holdout.precision)}</td>
                        <td>{formatEstimate(r.holdout.coverage, true)}</td>
                        <td>{formatCount(r.holdout.support)}</td>
                        <td className="muted">
                          {r.evidence.right.join(', ') || '—'}; {r.evidence.wrong.join(', ') || '—'}
                        </td>
                      </tr>
                    )),
              )}
            </tbody>
          </table>
          <div className="models-train-row">
            <button type="button" className="btn btn-primary" onClick={add} disabled={chosen.size === 0} data-testid="keyword-add">
              Add {chosen.size} to tags
            </button>
            {note && (
              <span className="small" role="status" data-testid="keyword-note">
                {note}
              </span>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
