import { memo, useMemo } from 'react';
import type { ColumnProfile } from '../../../workers/api';
import { MiniChart } from '../../components/MiniChart';
import { formatPercent, formatValue } from '../../format';
import { distinctLabel, histogramChart, nonFiniteNote, rangeLabel, topValueBars, zoneNote } from './card-data';
import { TopValues } from './TopValues';

function quantileLabel(q: number): string {
  return `p${Math.round(q * 100)}`;
}

/** One column's profile: type, nulls, distinct, summary statistics, a small chart, samples. */
export const ProfileCard = memo(function ProfileCard({ profile }: { profile: ColumnProfile }) {
  const histogram = useMemo(() => histogramChart(profile), [profile]);
  const topValues = useMemo(() => (histogram ? [] : topValueBars(profile)), [profile, histogram]);
  const distinct = distinctLabel(profile);
  const numeric = profile.kind === 'numeric';
  // Booleans (and all-NULL columns) have no min/max worth a line.
  const hasRange = profile.min !== null || profile.max !== null;
  const zone = zoneNote(profile);
  const nonFinite = nonFiniteNote(profile);

  return (
    <article className="profile-card" data-testid="profile-card" data-column={profile.name} aria-label={`Column ${profile.name}`}>
      <header className="card-head">
        <h3 title={profile.name}>{profile.name}</h3>
        <span className={`type-badge kind-${profile.kind}`} title={`${profile.kind} column`}>
          {profile.type}
        </span>
      </header>
      {/* Dates and times need the room of two columns to be read whole. */}
      <dl className={profile.kind === 'temporal' ? 'stats stats-wide' : 'stats'}>
        <div>
          <dt>Nulls</dt>
          <dd data-testid="stat-nulls">{formatPercent(profile.nullFraction)}</dd>
        </div>
        <div>
          <dt>Distinct</dt>
          <dd data-testid="stat-distinct" title={distinct.title}>
            {distinct.text}
          </dd>
        </div>
        {hasRange && (
          <>
            <div>
              <dt>Min</dt>
              <dd data-testid="stat-min" title={rangeLabel(profile, profile.min)}>
                {rangeLabel(profile, profile.min)}
              </dd>
            </div>
            <div>
              <dt>Max</dt>
              <dd data-testid="stat-max" title={rangeLabel(profile, profile.max)}>
                {rangeLabel(profile, profile.max)}
              </dd>
            </div>
          </>
        )}
        {numeric && (
          <>
            <div>
              <dt>Mean</dt>
              <dd>{formatValue(profile.mean)}</dd>
            </div>
            <div>
              <dt>Std</dt>
              <dd>{formatValue(profile.std)}</dd>
            </div>
          </>
        )}
      </dl>
      {zone && (
        <p className="zone-note small muted" data-testid="zone-note" style={{ margin: 0 }}>
          {zone}
        </p>
      )}
      {nonFinite && (
        <p className="non-finite-note small muted" data-testid="non-finite-note" style={{ margin: 0 }}>
          {nonFinite}
        </p>
      )}
      {profile.quantiles && profile.quantiles.length > 0 && (
        <div className="quantiles small" aria-label="Quantiles">
          {profile.quantiles.map((q) => (
            <span key={q.q}>
              <span className="muted">{quantileLabel(q.q)}</span> {formatValue(q.value)}
            </span>
          ))}
        </div>
      )}
      {histogram && <MiniChart chart={histogram} column={profile.name} />}
      {topValues.length > 0 && <TopValues bars={topValues} column={profile.name} />}
      {profile.samples.length > 0 && (
        <p className="samples small" title={profile.samples.join(', ')}>
          <span className="muted">e.g. </span>
          {profile.samples.slice(0, 5).join(', ')}
        </p>
      )}
    </article>
  );
});
