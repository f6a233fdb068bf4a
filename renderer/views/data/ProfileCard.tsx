import { memo, useMemo } from 'react';
import type { Data, Layout } from 'plotly.js';
import type { ColumnProfile } from '../../../workers/api';
import { MiniChart } from '../../components/MiniChart';
import { formatCount, formatPercent, formatValue } from '../../format';

const ACCENT = '#2563eb';
const CHART_LAYOUT: Partial<Layout> = { xaxis: { automargin: true }, yaxis: { automargin: true } };
const TOPK_LAYOUT: Partial<Layout> = { yaxis: { automargin: true, autorange: 'reversed' }, xaxis: { automargin: true } };

function quantileLabel(q: number): string {
  return `p${Math.round(q * 100)}`;
}

function histogramData(profile: ColumnProfile): Data[] | null {
  if (!profile.histogram || profile.histogram.length === 0) return null;
  return [
    {
      type: 'bar',
      x: profile.histogram.map((bin) => (bin.lo + bin.hi) / 2),
      y: profile.histogram.map((bin) => bin.count),
      width: profile.histogram.map((bin) => Math.max(bin.hi - bin.lo, Number.EPSILON)),
      marker: { color: ACCENT },
      hovertemplate: '%{x}<br>%{y} rows<extra></extra>',
    },
  ];
}

function topKData(profile: ColumnProfile): Data[] | null {
  if (!profile.topK || profile.topK.length === 0) return null;
  const top = profile.topK.slice(0, 8);
  return [
    {
      type: 'bar',
      orientation: 'h',
      y: top.map((entry) => (entry.value === null ? '(null)' : entry.value.length > 18 ? `${entry.value.slice(0, 17)}…` : entry.value)),
      x: top.map((entry) => entry.count),
      marker: { color: ACCENT },
      hovertemplate: '%{y}: %{x} rows<extra></extra>',
    },
  ];
}

/** One column's profile: type, nulls, distinct, summary statistics, a small chart, samples. */
export const ProfileCard = memo(function ProfileCard({ profile }: { profile: ColumnProfile }) {
  const histogram = useMemo(() => histogramData(profile), [profile]);
  const topK = useMemo(() => (histogram ? null : topKData(profile)), [profile, histogram]);
  const numeric = profile.kind === 'numeric';
  // Booleans (and all-NULL columns) have no min/max worth a line.
  const hasRange = profile.min !== null || profile.max !== null;

  return (
    <article className="profile-card" data-testid="profile-card" data-column={profile.name} aria-label={`Column ${profile.name}`}>
      <header className="card-head">
        <h3 title={profile.name}>{profile.name}</h3>
        <span className={`type-badge kind-${profile.kind}`} title={`${profile.kind} column`}>
          {profile.type}
        </span>
      </header>
      <dl className="stats">
        <div>
          <dt>Nulls</dt>
          <dd data-testid="stat-nulls">{formatPercent(profile.nullFraction)}</dd>
        </div>
        <div>
          <dt>Distinct</dt>
          <dd data-testid="stat-distinct">≈{formatCount(profile.distinctApprox)}</dd>
        </div>
        {hasRange && (
          <>
            <div>
              <dt>Min</dt>
              <dd>{formatValue(profile.min)}</dd>
            </div>
            <div>
              <dt>Max</dt>
              <dd>{formatValue(profile.max)}</dd>
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
      {profile.quantiles && profile.quantiles.length > 0 && (
        <div className="quantiles small" aria-label="Quantiles">
          {profile.quantiles.map((q) => (
            <span key={q.q}>
              <span className="muted">{quantileLabel(q.q)}</span> {formatValue(q.value)}
            </span>
          ))}
        </div>
      )}
      {histogram && <MiniChart data={histogram} layout={CHART_LAYOUT} label={`Histogram of ${profile.name}`} />}
      {topK && <MiniChart data={topK} layout={TOPK_LAYOUT} height={Math.min(150, 30 + 14 * Math.min(8, profile.topK?.length ?? 0))} label={`Most frequent values of ${profile.name}`} />}
      {profile.samples.length > 0 && (
        <p className="samples small" title={profile.samples.join(', ')}>
          <span className="muted">e.g. </span>
          {profile.samples.slice(0, 5).join(', ')}
        </p>
      )}
    </article>
  );
});
