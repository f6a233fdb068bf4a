import { useState, type JSX } from 'react';
import type { TrainOutcome } from '../../../workers/api';
import { importanceBars, type ImportanceKind } from './model-data';
import { importanceFigure } from './model-figures';
import { PlotlyChart } from './PlotlyChart';

/** Feature importance of a trained model, by gain, cover or weight. */
export function ImportanceCard({ importance, visible }: { importance: NonNullable<TrainOutcome['importance']>; visible: boolean }): JSX.Element {
  const [importanceKind, setImportanceKind] = useState<ImportanceKind>('gain');
  return (
  <section className="models-card">
    <header className="models-card-head">
      <h3>Feature importance</h3>
      <div className="models-toggle" role="group" aria-label="Importance measure">
        {(['gain', 'cover', 'weight'] as const).map((kind) => (
          <button key={kind} type="button" className="sql-side-tab" aria-pressed={importanceKind === kind} aria-selected={importanceKind === kind} onClick={() => setImportanceKind(kind)} data-testid={`importance-${kind}`}>
            {kind}
          </button>
        ))}
      </div>
    </header>
    <p className="muted small">
      {importanceKind === 'gain' ? 'Total loss reduction of the splits on each feature.' : importanceKind === 'cover' ? 'Total hessian (roughly, rows) reaching the splits on each feature.' : 'Number of splits on each feature.'}
    </p>
    <PlotlyChart figure={importanceFigure(importanceBars(importance, importanceKind), importanceKind)} label={`Feature importance by ${importanceKind}`} testId="model-importance" visible={visible} />
  </section>
  );
}
