import { useMemo, type JSX } from 'react';
import type { LabelerSummary } from '../../../workers/api';
import { PlotlyChart } from '../models/PlotlyChart';
import { percent, reportHeadline } from './label-data';
import { coverageCurveFigure } from './label-figures';

/** The held-out report: headline, coverage at 90/95/99% precision, the curve, and one row per label. */
export function LabelReportCard({ summary, visible, onExport }: { summary: LabelerSummary; visible: boolean; onExport(): void }): JSX.Element {
  const { report } = summary;
  const figure = useMemo(() => coverageCurveFigure(report.curve, report.minPrecision), [report]);
  return (
    <section className="models-card" data-testid="labels-report">
      <header className="models-card-head">
        <h3>Held-out report</h3>
        <button type="button" className="btn btn-small" onClick={onExport} data-testid="labels-export">
          Save labeler…
        </button>
      </header>
      <p data-testid="labels-headline">{reportHeadline(report)}</p>
      <p className="small" data-testid="labels-coverage-at">
        Coverage one threshold reaches at precision 90%: <strong>{percent(report.coverageAt['0.9'])}</strong> · 95%: <strong>{percent(report.coverageAt['0.95'])}</strong> · 99%:{' '}
        <strong>{percent(report.coverageAt['0.99'])}</strong>
        {' · '}keyword rules: {report.rules.count} (label {percent(report.rules.holdoutMatched)} of held-out rows, {percent(report.rules.holdoutPrecision)} right)
      </p>
      {report.warnings.length > 0 && <p className="muted small">{report.warnings.join(' ')}</p>}
      <PlotlyChart figure={figure} label="Precision against coverage of a confidence threshold on held-out rows" testId="labels-curve" height={260} visible={visible} />
      <table className="seg-stats" data-testid="labels-per-label">
        <thead>
          <tr>
            <th scope="col">label</th>
            <th scope="col">held-out rows</th>
            <th scope="col">threshold</th>
            <th scope="col">precision</th>
            <th scope="col">recall</th>
            <th scope="col">coverage</th>
            <th scope="col">coverage at 95%</th>
          </tr>
        </thead>
        <tbody>
          {report.perLabel.map((l) => (
            <tr key={l.label}>
              <th scope="row">{l.label}</th>
              <td>{l.support}</td>
              <td title={l.thresholdFrom === 'overall' ? 'too few held-out rows: the overall threshold' : undefined}>{l.threshold === null ? 'never' : l.threshold.toFixed(3)}</td>
              <td>{percent(l.precision)}</td>
              <td>{percent(l.recall)}</td>
              <td>{percent(l.coverage)}</td>
              <td>{percent(l.coverageAt['0.95'])}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
