import type { JSX } from 'react';
import type { PackInfo } from '../../../workers/api';
import { formatCount } from '../../format';
import { shortHash } from './pack-data';

export interface PackHeaderProps {
  info: PackInfo;
  /** The pack on screen differs from the file it came from (built, reviewed or migrated here). */
  unsaved: boolean;
  /** Another pack action (open, review, report) is running. */
  busy: string | null;
  onSave(): void;
  onReport(): void;
}

/** The open pack's name, version, approval, save/report buttons and its metadata. */
export function PackHeader({ info, unsaved, busy, onSave, onReport }: PackHeaderProps): JSX.Element {
  const { pack } = info;
  return (
    <section className="packs-card" aria-label="Pack header" data-testid="pack-header">
      <header className="packs-card-head">
        <h3>
          {pack.name} <span className="packs-version">{pack.version}</span>
        </h3>
        <span className={`packs-badge approval-${info.approval}`} data-testid="pack-approval">
          {info.approval}
        </span>
        {unsaved && <span className="packs-badge unsaved">unsaved changes</span>}
        <span className="sql-toolbar-spacer" />
        <button type="button" className={`btn${unsaved ? ' btn-primary' : ''}`} onClick={onSave} data-testid="pack-save">
          Save pack…
        </button>
        <button type="button" className="btn" onClick={onReport} disabled={busy !== null} data-testid="pack-report">
          {busy === 'report' ? 'Writing…' : 'HTML report…'}
        </button>
      </header>
      <dl className="packs-meta">
        <dt>Parent</dt>
        <dd>{pack.parent ? <span title={pack.parent.contentHash}>{`${pack.parent.version} (${shortHash(pack.parent.contentHash)})`}</span> : 'none'}</dd>
        <dt>Created</dt>
        <dd>
          {pack.created.at}
          {pack.created.by ? ` by ${pack.created.by}` : ''}
        </dd>
        <dt>As of</dt>
        <dd>{pack.asOf}</dd>
        <dt>NULL policy</dt>
        <dd>{pack.nullPolicy}</dd>
        <dt>Hit policy</dt>
        <dd>{pack.hitPolicy}</dd>
        <dt>Entity</dt>
        <dd>
          {pack.entity.key === null ? (
            <span data-testid="pack-entity">{pack.entity.table} · no key column: rows are tagged and keep their columns</span>
          ) : (
            <span data-testid="pack-entity">
              {pack.entity.table} · key <code>{pack.entity.key}</code>
            </span>
          )}
        </dd>
        <dt>Content hash</dt>
        <dd>
          <code data-testid="pack-hash">{pack.contentHash}</code>
        </dd>
        {info.migratedFrom && (
          <>
            <dt>Migrated</dt>
            <dd>from {info.migratedFrom}</dd>
          </>
        )}
        {pack.provenance.sources.length > 0 && (
          <>
            <dt>Sources</dt>
            <dd>{pack.provenance.sources.map((s) => `${s.name} (${formatCount(s.rows)} rows)`).join(', ')}</dd>
          </>
        )}
      </dl>
    </section>
  );
}
