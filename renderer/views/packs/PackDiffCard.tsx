import { useRef, type ChangeEvent, type JSX } from 'react';
import type { PackDiff, PackInfo } from '../../../workers/api';
import { formatCount } from '../../format';
import { diffLine, formatDelta, formatJaccard, formatMetricValue } from './pack-data';
import type { PackTableActions } from './pack-card-context';

/** Another version of the pack, opened to compare with the one on screen. */
export interface OtherVersion {
  fileName: string;
  info: PackInfo;
}

export interface PackDiffCardProps {
  other: OtherVersion | null;
  onOpenOther(event: ChangeEvent<HTMLInputElement>): void;
  otherIsOlder: boolean;
  onOtherIsOlder(older: boolean): void;
  /** The table both versions are applied to ('' to compare the definitions alone). */
  diffTable: string;
  onDiffTable(table: string): void;
  actions: PackTableActions;
  onCompare(): void;
  diff: PackDiff | null;
}

/** Compares the pack on screen with another version: tags added, removed and changed, and on data. */
export function PackDiffCard(props: PackDiffCardProps): JSX.Element {
  const { other, otherIsOlder, diffTable, diff } = props;
  const otherInput = useRef<HTMLInputElement>(null);
  return (
    <section className="packs-card" aria-label="Compare versions" data-testid="pack-diff-card">
      <header className="packs-card-head">
        <h3>Compare versions</h3>
      </header>
      <div className="packs-actions">
        <button type="button" className="btn btn-small" onClick={() => otherInput.current?.click()} disabled={props.actions.jobRunning} data-testid="pack-diff-open">
          {other ? `Other: ${other.fileName} (${other.info.pack.version})` : 'Choose the other version…'}
        </button>
        <input ref={otherInput} type="file" accept=".json,application/json" hidden onChange={props.onOpenOther} data-testid="pack-diff-input" />
        <label className="packs-inline">
          it is the{' '}
          <select value={otherIsOlder ? 'older' : 'newer'} onChange={(event) => props.onOtherIsOlder(event.target.value === 'older')} aria-label="The other version is" data-testid="pack-diff-direction">
            <option value="older">older version</option>
            <option value="newer">newer version</option>
          </select>
        </label>
        <label className="packs-inline">
          on{' '}
          <select value={diffTable} onChange={(event) => props.onDiffTable(event.target.value)} aria-label="Table to compare on" data-testid="pack-diff-table">
            <option value="">(no data)</option>
            {props.actions.tableOptions}
          </select>
        </label>
        <button type="button" className="btn btn-primary btn-small" onClick={props.onCompare} disabled={!other || props.actions.jobRunning} data-testid="pack-diff-run">
          Compare
        </button>
      </div>
      {diff && <DiffResult diff={diff} />}
    </section>
  );
}

function DiffResult({ diff }: { diff: PackDiff }): JSX.Element {
  const nothing = diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;
  return (
    <div className="packs-diff" data-testid="pack-diff">
      <p>
        <strong>
          {diff.old.name} {diff.old.version}
        </strong>{' '}
        →{' '}
        <strong>
          {diff.new.name} {diff.new.version}
        </strong>
        : {diff.added.length} added, {diff.removed.length} removed, {diff.changed.length} changed, {diff.unchanged.length} unchanged.
      </p>
      {nothing && <p className="muted">The two versions compute the same tags.</p>}
      {diff.added.length > 0 && (
        <p data-testid="pack-diff-added">
          <span className="packs-badge diff-added">added</span> {diff.added.join(', ')}
        </p>
      )}
      {diff.removed.length > 0 && (
        <p data-testid="pack-diff-removed">
          <span className="packs-badge diff-removed">removed</span> {diff.removed.join(', ')}
        </p>
      )}
      {diff.changed.map((change) => (
        <div key={change.name} className="packs-diff-change" data-testid="pack-diff-changed" data-tag={change.name}>
          <div>
            <span className="packs-badge diff-changed">changed</span> <strong>{change.name}</strong> <span className="muted small">({change.fields.join(', ')})</span>
          </div>
          {change.conditions.length > 0 && (
            <pre className="packs-diff-lines">
              {change.conditions.map((line, i) => {
                const { tone, text } = diffLine(line);
                return (
                  <div key={i} className={`diff-${tone}`} data-testid="pack-diff-line" data-tone={tone}>
                    {tone === 'removed' ? '- ' : tone === 'added' ? '+ ' : '  '}
                    {text}
                  </div>
                );
              })}
            </pre>
          )}
          {change.metrics.length > 0 && (
            <ul className="small packs-deltas">
              {change.metrics.map((m) => (
                <li key={m.metric}>
                  {m.metric}: {formatDelta(m)}
                </li>
              ))}
            </ul>
          )}
        </div>
      ))}
      {diff.data && (
        <div className="packs-table-wrap">
          <p className="small">
            On <strong>{diff.data.table}</strong> ({formatCount(diff.data.rows)} entities):
          </p>
          <table className="packs-table" data-testid="pack-diff-data">
            <thead>
              <tr>
                <th>Tag</th>
                <th>Status</th>
                <th>Coverage old → new</th>
                <th>Gained</th>
                <th>Lost</th>
                <th>Jaccard</th>
                <th>Example keys</th>
              </tr>
            </thead>
            <tbody>
              {diff.data.tags.map((t) => (
                <tr key={t.name} data-tag={t.name}>
                  <td>{t.name}</td>
                  <td>{t.status}</td>
                  <td>
                    {formatMetricValue('coverage', t.oldCoverage)} → {formatMetricValue('coverage', t.newCoverage)}
                  </td>
                  <td>{formatCount(t.gained)}</td>
                  <td>{formatCount(t.lost)}</td>
                  <td>{formatJaccard(t.jaccard)}</td>
                  <td className="small">
                    {t.exampleGained.length > 0 && <div>+ {t.exampleGained.join(', ')}</div>}
                    {t.exampleLost.length > 0 && <div>− {t.exampleLost.join(', ')}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
