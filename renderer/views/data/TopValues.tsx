import type { TopValueBar } from './card-data';
import { formatCount } from '../../format';

/**
 * Most frequent values as labelled bars, in plain HTML: each category's text is on its row (long
 * ones cut with "…", the full text in the tooltip), never an unlabelled bar on a numeric axis.
 */
export function TopValues({ bars, column }: { bars: TopValueBar[]; column: string }) {
  return (
    <ol className="top-values" aria-label={`Most frequent values of ${column}`} data-testid="top-values">
      {bars.map((bar, index) => (
        <li key={`${index}:${bar.title}`} title={bar.title}>
          <span className={`top-value-label${bar.isNull ? ' null' : ''}`} data-testid="top-value-label">
            {bar.label}
          </span>
          <span className="top-value-track" aria-hidden="true">
            <span className="top-value-bar" style={{ width: `${Math.max(1, bar.width * 100)}%` }} />
          </span>
          <span className="top-value-count">{formatCount(bar.count)}</span>
        </li>
      ))}
    </ol>
  );
}
