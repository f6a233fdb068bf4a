import type { JSX } from 'react';
import type { PackInfo, PackValidation } from '../../../workers/api';
import { cellText, formatMetricValue, rowIdentity } from './pack-data';
import type { PackTableActions } from './pack-card-context';

export interface PackGoldenCardProps {
  pack: PackInfo['pack'];
  actions: PackTableActions;
  /** The table drift is measured on ('' for the golden rows alone). */
  checkTable: string;
  onCheckTable(table: string): void;
  validation: { table: string; result: PackValidation } | null;
  onCheck(): void;
}

/** The golden rows the pack carries, and the check of them (and of metric drift on a table). */
export function PackGoldenCard({ pack, actions, checkTable, onCheckTable, validation, onCheck }: PackGoldenCardProps): JSX.Element {
  const { tableOptions, jobRunning } = actions;
  return (
    <section className="packs-card" aria-label="Golden rows">
      <header className="packs-card-head">
        <h3>Golden rows ({pack.golden.rows.length})</h3>
        <span className="muted small">a sample with the tags production must give it</span>
      </header>
      {pack.golden.rows.length === 0 ? (
        <p className="muted small">This pack carries no golden rows.</p>
      ) : (
        <div className="packs-table-wrap">
          <table className="packs-table" data-testid="pack-golden">
            <thead>
              <tr>
                {pack.entity.key === null && <th title="The row's number in the data the pack was built on">Row</th>}
                {pack.golden.columns.map((c) => (
                  <th key={c.name} title={c.type}>
                    {c.name}
                  </th>
                ))}
                <th>Expected tags</th>
              </tr>
            </thead>
            <tbody>
              {pack.golden.rows.map((row) => (
                <tr key={String(row.key)}>
                  {pack.entity.key === null && <td>{row.key}</td>}
                  {pack.golden.columns.map((c) => (
                    <td key={c.name} className={row.values[c.name] === null ? 'muted' : undefined}>
                      {cellText(row.values[c.name])}
                    </td>
                  ))}
                  <td>{row.expected.length > 0 ? row.expected.join(', ') : <span className="muted">none</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="packs-actions">
        <label className="packs-inline">
          Check golden rows{' '}
          <select value={checkTable} onChange={(event) => onCheckTable(event.target.value)} aria-label="Table to measure drift on" data-testid="pack-check-table">
            <option value="">(and no table)</option>
            {tableOptions}
          </select>
        </label>
        <button type="button" className="btn btn-small" onClick={onCheck} disabled={jobRunning} data-testid="pack-check">
          Check
        </button>
      </div>
      {validation && (
        <div className={`packs-check ${validation.result.ok ? 'ok' : 'fail'}`} data-testid="pack-check-result">
          <strong>{validation.result.ok ? 'Passed' : 'Failed'}</strong>: {validation.result.golden.rows - validation.result.golden.mismatches.length} of {validation.result.golden.rows} golden rows
          match.
          {validation.result.golden.mismatches.slice(0, 5).map((m, i) => (
            <div key={`${String(m.key)}-${i}`} className="small">
              {rowIdentity(m.key, pack.entity.key === null)}: expected {m.expected.join(', ') || 'none'}, got {m.got.join(', ') || 'none'}
            </div>
          ))}
          {validation.result.golden.mismatches.length > 5 && <div className="small">… and {validation.result.golden.mismatches.length - 5} more</div>}
          {validation.result.drift.length > 0 && (
            <ul className="small">
              {validation.result.drift.map((d) => (
                <li key={`${d.tag}/${d.metric}`} className={d.outside ? 'packs-drift-out' : undefined}>
                  {d.tag} {d.metric} on {validation.table}: recorded {formatMetricValue(d.metric, d.recorded)}, now {formatMetricValue(d.metric, d.measured)}
                  {d.outside ? ' (outside the recorded interval)' : ''}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
