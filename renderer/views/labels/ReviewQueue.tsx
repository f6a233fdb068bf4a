import { useState, type JSX } from 'react';
import type { LabelsReviewResult } from '../../../workers/api';
import { formatCount } from '../../format';
import { pendingReview, percent, type Correction } from './label-data';

export interface ReviewQueueProps {
  review: LabelsReviewResult;
  classes: readonly string[];
  corrections: readonly Correction[];
  onCorrect(correction: Correction): void;
}

const SHOWN = 25;

/** Rows the labeler leaves unlabelled, least certain first: accept its guess or pick the right label. */
export function ReviewQueue({ review, classes, corrections, onCorrect }: ReviewQueueProps): JSX.Element {
  const pending = pendingReview(review.rows, corrections).slice(0, SHOWN);
  const [chosen, setChosen] = useState<Record<number, string>>({});
  return (
    <section className="models-card" data-testid="labels-review">
      <header className="models-card-head">
        <h3>Review</h3>
        <span className="muted small">
          {formatCount(review.unlabelled)} of {formatCount(review.total)} rows left unlabelled at the thresholds · {corrections.length} reviewed
        </span>
      </header>
      {pending.length === 0 ? (
        <p className="muted small">Nothing left to review here.</p>
      ) : (
        <table className="seg-stats">
          <thead>
            <tr>
              <th scope="col">text</th>
              <th scope="col">best guess</th>
              <th scope="col">runner-up</th>
              <th scope="col">label</th>
            </tr>
          </thead>
          <tbody>
            {pending.map((r) => (
              <tr key={r.row} data-testid="labels-review-row">
                <th scope="row">{r.text}</th>
                <td>
                  {r.best ?? '–'} ({percent(r.confidence)})
                </td>
                <td>
                  {r.second ?? '–'} ({percent(r.secondConfidence)})
                </td>
                <td>
                  {r.best && (
                    <button type="button" className="btn btn-small" onClick={() => onCorrect({ row: r.row, text: r.text, label: r.best as string })} data-testid="labels-accept">
                      Accept
                    </button>
                  )}{' '}
                  <select value={chosen[r.row] ?? ''} onChange={(event) => setChosen({ ...chosen, [r.row]: event.target.value })} data-testid="labels-correct-select" aria-label="Right label">
                    <option value="">Correct to…</option>
                    {classes.map((c) => (
                      <option key={c} value={c}>
                        {c}
                      </option>
                    ))}
                  </select>{' '}
                  <button type="button" className="btn btn-small" disabled={!chosen[r.row]} onClick={() => onCorrect({ row: r.row, text: r.text, label: chosen[r.row] as string })} data-testid="labels-correct">
                    Correct
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
