import type { JSX } from 'react';
import type { PortraitCard, PortraitResult } from '../../../workers/api';
import { formatCount, formatPercent } from '../../format';
import { formatValueAmount, formatValueDifference, formatValueLift, formatValueShare } from '../../format-value';
import { featuresByDistinction, formatLift, formatMean, formatZ } from './segment-data';
import { segmentColour } from './segment-figures';

interface PortraitCardsProps {
  portrait: PortraitResult;
  names: readonly string[];
  onRename(segment: number, name: string): void;
}

const RULE_HINT = 'Precision: of the rows the rule matches, the share in this segment. Recall: of this segment’s rows, the share the rule matches. Measured on every row.';

function zClass(z: number | null): string {
  if (z === null) return '';
  if (z >= 0.5) return 'seg-high';
  if (z <= -0.5) return 'seg-low';
  return '';
}

function Card({ card, names, onRename }: { card: PortraitCard; names: readonly string[]; onRename(segment: number, name: string): void }): JSX.Element {
  const segment = Number(card.segment);
  const numbered = Number.isInteger(segment);
  const name = numbered ? (names[segment] ?? '') : card.suggestedName;
  const stats = featuresByDistinction(card.features);
  const top = card.distinguishing.map((f) => card.features.find((s) => s.feature === f)).filter((s) => s !== undefined);
  return (
    <article className="seg-card" data-testid="portrait-card" data-segment={card.segment} style={{ borderTopColor: segmentColour(numbered ? segment : 0) }}>
      <header className="seg-card-head">
        <span className="seg-swatch" style={{ background: segmentColour(numbered ? segment : 0) }} aria-hidden="true" />
        <input
          type="text"
          className="seg-name"
          aria-label={`Name of segment ${card.segment}`}
          value={name}
          placeholder={card.suggestedName || `Segment ${card.segment}`}
          disabled={!numbered}
          onChange={(event) => numbered && onRename(segment, event.target.value)}
          data-testid="segment-name"
        />
      </header>
      <div className="seg-size" data-testid="segment-size" title={`Segment ${card.segment}`}>
        {formatCount(card.size)} rows · {formatPercent(card.share)} of all rows
      </div>
      {card.value && (
        <div className="seg-value small" data-testid="segment-value" title="Share of the total value (GMV) the segment holds; lift = that share ÷ its share of rows; mean value per row and its difference to the other segments. 95% intervals (analytic).">
          GMV {formatValueShare(card.value.share)} · lift {formatValueLift(card.value.lift)}
          <div className="muted">
            mean {formatValueAmount(card.value.meanTagged)} ({formatValueDifference(card.value.difference)} vs the rest)
          </div>
        </div>
      )}
      {card.suggestedName && card.suggestedName !== name && (
        <p className="muted small seg-suggested">
          suggested: {card.suggestedName}{' '}
          <button type="button" className="btn-link" onClick={() => onRename(segment, card.suggestedName)}>
            use
          </button>
        </p>
      )}

      {top.length > 0 && (
        <div className="seg-top" data-testid="segment-distinguishing">
          {top.map((s) => (
            <span key={s.feature} className={`seg-chip ${zClass(s.z)}`} title={`${s.feature}: mean ${formatMean(s.segmentMean)} vs ${formatMean(s.populationMean)} overall (lift ${formatLift(s.lift)}, z ${formatZ(s.z)})`}>
              {(s.z ?? 0) >= 0 ? '▲' : '▼'} {s.feature} <small>{formatZ(s.z)}</small>
            </span>
          ))}
        </div>
      )}

      {card.rule ? (
        <div className="seg-rule" title={RULE_HINT} data-testid="segment-rule">
          <code>{card.rule.text}</code>
          <div className="muted small">
            precision {formatPercent(card.rule.precision)} · recall {formatPercent(card.rule.recall)} · matches {formatCount(card.rule.matched)} rows
          </div>
        </div>
      ) : (
        <p className="muted small">No short rule separates this segment from the rest.</p>
      )}

      <table className="seg-stats" data-testid="segment-features">
        <thead>
          <tr>
            <th scope="col">feature</th>
            <th scope="col" title="Mean of the segment">mean</th>
            <th scope="col" title="Mean of all rows">overall</th>
            <th scope="col" title="Segment mean / overall mean">lift</th>
            <th scope="col" title="(segment mean − overall mean) / overall standard deviation">z</th>
          </tr>
        </thead>
        <tbody>
          {stats.map((s) => (
            <tr key={s.feature}>
              <th scope="row" title={s.missing > 0 ? `${formatCount(s.missing)} rows of the segment have no value` : s.feature}>
                {s.feature}
              </th>
              <td>{formatMean(s.segmentMean)}</td>
              <td className="muted">{formatMean(s.populationMean)}</td>
              <td>{formatLift(s.lift)}</td>
              <td className={zClass(s.z)}>{formatZ(s.z)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      {card.topCategories.length > 0 && (
        <div className="seg-categories" data-testid="segment-categories">
          {card.topCategories.map((c) => (
            <div key={c.column}>
              <span className="small seg-cat-column">{c.column}</span>
              <ul>
                {c.values.map((v) => (
                  <li key={`${v.value ?? '∅'}`} title={`${formatPercent(v.populationShare)} of all rows`}>
                    {v.value ?? '(missing)'} <span className="muted small">{formatPercent(v.share)} · lift {formatLift(v.lift)}</span>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </div>
      )}
    </article>
  );
}

/** One card per segment: size, name (editable), distinguishing features, rule, means against the population. */
export function PortraitCards({ portrait, names, onRename }: PortraitCardsProps): JSX.Element {
  return (
    <div className="seg-cards" data-testid="portrait-cards">
      {portrait.cards.map((card) => (
        <Card key={card.segment} card={card} names={names} onRename={onRename} />
      ))}
      {portrait.unassignedRows > 0 && <p className="muted small">{formatCount(portrait.unassignedRows)} rows have no segment and are left out.</p>}
      <p className="muted small seg-cards-note">
        Rules grown on {formatCount(portrait.ruleSampleRows)} of {formatCount(portrait.rowCount)} rows; precision and recall are measured on every row.
        {portrait.value && ` GMV is ${portrait.value.expression} per row (total ${formatValueAmount({ value: portrait.value.total, low: null, high: null })}${portrait.value.warnings.length > 0 ? `; ${portrait.value.warnings.join('; ')}` : ''}).`}
      </p>
    </div>
  );
}
