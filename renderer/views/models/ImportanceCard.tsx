import { useState, type JSX } from 'react';
import type { TrainOutcome } from '../../../workers/api';
import { importanceBars, type ImportanceKind } from './model-data';
import { importanceFigure } from './model-figures';
import { PlotlyChart } from './PlotlyChart';

/**
 * How importance was measured. Trees: gain, cover, weight of their splits. The CTR kinds
 * (lr, fm, deepfm): permutation on the validation rows (the engine reports it as `gain`).
 */
export type ImportanceMeasure = ImportanceKind | 'permutation';

const EXPLAIN: Record<ImportanceMeasure, string> = {
  gain: 'Total loss reduction of the splits on each feature.',
  cover: 'Total hessian (roughly, rows) reaching the splits on each feature.',
  weight: 'Number of splits on each feature.',
  permutation: 'How much the validation logloss rises when a field’s values are shuffled across rows (0 = the model does not use it).',
};

/** Feature importance of a trained model, by one of its measures. */
export function ImportanceCard({ importance, measures = ['gain', 'cover', 'weight'], visible }: { importance: NonNullable<TrainOutcome['importance']>; measures?: ImportanceMeasure[]; visible: boolean }): JSX.Element {
  const [chosen, setChosen] = useState<ImportanceMeasure>(measures[0] ?? 'gain');
  const measure = measures.includes(chosen) ? chosen : (measures[0] ?? 'gain');
  // Permutation importance travels in the gain field.
  const field: ImportanceKind = measure === 'permutation' ? 'gain' : measure;
  return (
  <section className="models-card">
    <header className="models-card-head">
      <h3>{measure === 'permutation' ? 'Field importance' : 'Feature importance'}</h3>
      {measures.length > 1 && (
        <div className="models-toggle" role="group" aria-label="Importance measure">
          {measures.map((kind) => (
            <button key={kind} type="button" className="sql-side-tab" aria-pressed={measure === kind} aria-selected={measure === kind} onClick={() => setChosen(kind)} data-testid={`importance-${kind}`}>
              {kind}
            </button>
          ))}
        </div>
      )}
    </header>
    <p className="muted small">{EXPLAIN[measure]}</p>
    <PlotlyChart figure={importanceFigure(importanceBars(importance, field), measure === 'permutation' ? 'logloss increase' : field)} label={`Feature importance by ${measure}`} testId="model-importance" visible={visible} />
  </section>
  );
}

/** A factorization machine's strongest field pairs: mean |<e_f, e_g>| over the validation rows. */
export function InteractionsCard({ interactions }: { interactions: NonNullable<TrainOutcome['interactions']> }): JSX.Element {
  const top = [...interactions].sort((a, b) => b.strength - a.strength).slice(0, 12);
  const max = top[0]?.strength ?? 0;
  return (
    <section className="models-card" data-testid="model-interactions">
      <header className="models-card-head">
        <h3>Strongest field interactions</h3>
      </header>
      <p className="muted small">Mean absolute interaction term of each pair of fields over the validation rows: the pairs the model learned from.</p>
      <table className="models-table small">
        <thead>
          <tr>
            <th scope="col">fields</th>
            <th scope="col">strength</th>
          </tr>
        </thead>
        <tbody>
          {top.map((pair) => (
            <tr key={`${pair.a}|${pair.b}`}>
              <td>
                {pair.a} × {pair.b}
              </td>
              <td>
                <meter min={0} max={max || 1} value={pair.strength} aria-label={`${pair.a} × ${pair.b}`} /> {pair.strength.toPrecision(3)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
