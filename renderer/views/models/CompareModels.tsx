import { useMemo, useState, type JSX } from 'react';
import type { BinaryEvaluation, TrainOutcome } from '../../../workers/api';
import { comparableRuns, comparisonRows, type TrainedRun } from './model-data';
import { rocComparisonFigure } from './model-figures';
import { PlotlyChart } from './PlotlyChart';

/**
 * Two binary models side by side on the same validation rows: models trained in this session on
 * the same data, target and split (the split is seeded, so their validation rows are the same
 * rows, whatever the kind). Metrics in a table, ROC curves on one chart.
 */
export function CompareModels({ runs, current, visible }: { runs: readonly TrainedRun[]; current: TrainOutcome | null; visible: boolean }): JSX.Element | null {
  const peers = useMemo(() => (current ? comparableRuns(runs, current.model.modelId) : []), [runs, current]);
  const [otherId, setOtherId] = useState('');
  if (!current || peers.length === 0) return null;
  const other = peers.find((r) => r.outcome.model.modelId === otherId) ?? peers[peers.length - 1];
  const a = current.evaluation.valid?.binary;
  const b = other?.outcome.evaluation.valid?.binary;
  if (!a || !b || !other) return null;
  const names = [current.model.name, other.outcome.model.name] as const;
  return (
    <section className="models-card" data-testid="model-compare">
      <header className="models-card-head">
        <h3>Compare on the same validation rows</h3>
        <label className="models-inline small">
          with{' '}
          <select value={other.outcome.model.modelId} onChange={(event) => setOtherId(event.target.value)} data-testid="model-compare-with">
            {peers.map((r) => (
              <option key={r.outcome.model.modelId} value={r.outcome.model.modelId}>
                {r.outcome.model.name} ({r.outcome.model.kind ?? 'gbdt'})
              </option>
            ))}
          </select>
        </label>
      </header>
      <p className="muted small">
        Both trained on the same data, target and validation split: {a.rows.toLocaleString('en-US')} validation rows, {a.positives.toLocaleString('en-US')} positive. Metrics at each model’s threshold 0.5.
      </p>
      <table className="models-table small" data-testid="model-compare-table">
        <thead>
          <tr>
            <th scope="col">metric</th>
            <th scope="col">{names[0]}</th>
            <th scope="col">{names[1]}</th>
            <th scope="col">difference</th>
          </tr>
        </thead>
        <tbody>
          {comparisonRows(a, b).map((row) => (
            <tr key={row.metric}>
              <th scope="row">{row.metric}</th>
              <td className={row.better === 'a' ? 'models-better' : undefined}>{row.a}</td>
              <td className={row.better === 'b' ? 'models-better' : undefined}>{row.b}</td>
              <td>{row.difference}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <PlotlyChart figure={rocComparisonFigure([{ name: names[0], evaluation: a }, { name: names[1], evaluation: b }] as Array<{ name: string; evaluation: BinaryEvaluation }>)} label="ROC curves of the two models" testId="model-compare-roc" height={300} visible={visible} />
    </section>
  );
}
