import type { JSX } from 'react';
import { MODEL_KINDS, type ModelSummary, type TrainOutcome } from '../../../workers/api';
import { formatCount } from '../../format';
import { crossValidationRows, describeBackend, describeEpochs, describeSavedRounds, splitWarnings } from './model-data';

/** The training's warnings: leaks and overfitting first (as an alert), then the others. */
export function ModelWarnings({ outcome }: { outcome: TrainOutcome | null }): JSX.Element | null {
  const warnings = splitWarnings(outcome?.warnings ?? []);
  if (!(warnings.leaks.length > 0 || warnings.overfitting.length > 0 || warnings.others.length > 0)) return null;
  return (
    <div className={`models-warnings${warnings.leaks.length + warnings.overfitting.length > 0 ? ' leak' : ''}`} role="alert" data-testid="model-warnings">
      {warnings.leaks.length + warnings.overfitting.length > 0 && <strong>Check these before trusting the model:</strong>}
      <ul>
        {warnings.leaks.map((w) => (
          <li key={w} className="models-warning-leak">
            {w}
          </li>
        ))}
        {warnings.overfitting.map((w) => (
          <li key={w} className="models-warning-leak" data-testid="model-warning-overfitting">
            {w}
          </li>
        ))}
        {warnings.others.map((w) => (
          <li key={w}>{w}</li>
        ))}
      </ul>
    </div>
  );
}

/** One line of facts: name, objective, trees and rounds, features, target, rows, time, backend. */
export function ModelFacts({ summary, outcome }: { summary: ModelSummary; outcome: TrainOutcome | null }): JSX.Element {
  const label = summary.label;
  const isCtr = summary.kind !== undefined && summary.kind !== 'gbdt';
  const kindLabel = MODEL_KINDS.find((k) => k.kind === summary.kind)?.label ?? summary.kind;
  const backend = isCtr ? (summary.backend ? `trained on ${summary.backend.reason || summary.backend.name}` : null) : describeBackend(summary.backend);
  return (
    <p className="models-facts small" data-testid="model-facts">
      <strong>{summary.name}</strong> · {isCtr ? `${kindLabel} (${summary.kind})` : summary.objective} ·{' '}
      {isCtr ? (
        <span data-testid="model-rounds">{describeEpochs(summary, outcome ? outcome.history.length : null)}</span>
      ) : (
        <>
          {formatCount(summary.trees)} trees
          <span data-testid="model-rounds"> ({describeSavedRounds(summary, outcome ? outcome.history.length : null)})</span>
        </>
      )}{' '}
      · {formatCount(summary.features.length)} {isCtr ? 'field inputs' : 'features'}
      {summary.target && ` · target ${summary.target}`}
      {label.kind === 'binary' && label.positive !== undefined && ` (positive = ${label.positive})`}
      {summary.rows.train > 0 && ` · ${formatCount(summary.rows.train)} training / ${formatCount(summary.rows.valid)} validation rows`}
      {outcome && ` · trained in ${(outcome.elapsedMs / 1000).toFixed(1)} s`}
      {backend && <span data-testid="model-backend-used"> · {backend}</span>}
    </p>
  );
}

/** k-fold cross-validation: each metric's mean and standard deviation over the folds, and the folds. */
export function CrossValidationCard({ cv }: { cv: NonNullable<TrainOutcome['crossValidation']> }): JSX.Element {
  return (
    <section className="models-card" data-testid="model-cross-validation">
      <header className="models-card-head">
        <h3>
          Cross-validation: {cv.folds} folds {cv.split === 'entity' ? `of whole entities (${cv.keyColumn ?? 'key'})` : `of rows (${cv.split})`}
        </h3>
      </header>
      <table className="models-table small">
        <thead>
          <tr>
            <th scope="col">metric</th>
            <th scope="col">mean</th>
            <th scope="col">sd</th>
            <th scope="col">per fold</th>
          </tr>
        </thead>
        <tbody>
          {crossValidationRows(cv).map((row) => (
            <tr key={row.metric}>
              <th scope="row">{row.metric}</th>
              <td>{row.mean}</td>
              <td>{row.sd}</td>
              <td>{row.folds}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">
        The folds only measure: each trains every round asked for (early stopping would pick its best round on the very rows it is scored on). The other figures are the final model’s, trained on the plain split.
      </p>
    </section>
  );
}
