import type { JSX } from 'react';
import type { PackInfo } from '../../../workers/api';

export interface PackSignOffCardProps {
  info: PackInfo;
  reviewer: string;
  note: string;
  onNote(note: string): void;
  /** Another pack action (open, review, report) is running. */
  busy: boolean;
  onReview(decision: 'approve' | 'reject'): void;
}

/** Approve or reject the pack's exact content, and the reviews it carries (void once the content changed). */
export function PackSignOffCard({ info, reviewer, note, onNote, busy, onReview }: PackSignOffCardProps): JSX.Element {
  return (
    <section className="packs-card" aria-label="Sign-off" data-testid="pack-signoff">
      <header className="packs-card-head">
        <h3>Sign-off</h3>
        <span className="muted small">a review holds for this exact content; any edit voids it</span>
      </header>
      <div className="packs-signoff">
        <textarea rows={2} placeholder="Note (what you checked, conditions)" value={note} onChange={(event) => onNote(event.target.value)} aria-label="Review note" data-testid="pack-review-note" />
        <div className="packs-actions">
          <button type="button" className="btn btn-primary" onClick={() => onReview('approve')} disabled={busy} data-testid="pack-approve">
            Approve
          </button>
          <button type="button" className="btn btn-danger" onClick={() => onReview('reject')} disabled={busy} data-testid="pack-reject">
            Reject
          </button>
          {!reviewer.trim() && <span className="muted small">Enter your name on the left first.</span>}
        </div>
      </div>
      {info.reviews.length === 0 ? (
        <p className="muted small">No reviews yet.</p>
      ) : (
        <ul className="packs-reviews" data-testid="pack-reviews">
          {[...info.reviews].reverse().map((r, i) => (
            <li key={`${r.at}-${i}`} className={r.valid ? undefined : 'void'} data-testid="pack-review" data-valid={r.valid}>
              <span className={`packs-badge decision-${r.decision}`}>{r.decision === 'approve' ? 'approved' : 'rejected'}</span> by <strong>{r.by}</strong> at {r.at}
              {!r.valid && (
                <span className="packs-badge void" title={`Reviewed content ${r.contentHash}`}>
                  void: content changed
                </span>
              )}
              {r.note && <div className="packs-review-note">{r.note}</div>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
