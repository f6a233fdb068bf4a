import { approvalStatus, reviewStates } from './io';
import { gateSummary } from './gates';
import { packToSql } from './dialects/pack-sql';
import { SQL_DIALECTS, type PackTag, type RulePack } from './schema';
import { valueMetricsHtml, valueSectionHtml } from './report-value';
import { isCtrTag } from './dialects/ctr-tag-sql';

export interface ReportOptions {
  /** Plotly's minified cartesian bundle (plotly.js-cartesian-dist-min: bar, scatter, box, heatmap, histogram; no WebGL or waterfall traces), read by the caller; a pure-SVG chart without it. */
  plotlyJs?: string;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
/** JSON safe inside a <script> element. */
const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function definitionHtml(tag: PackTag): string {
  if (tag.kind === 'rule') return `<code class="rule">${esc(tag.rule.text)}</code>`;
  if (tag.kind === 'model') return `model score &ge; <b>${tag.model.threshold}</b> <span class="muted">(${isCtrTag(tag) ? 'Assay lr/fm model' : 'XGBoost JSON'}, ${tag.model.xgboostJson.length.toLocaleString('en-US')} bytes)</span>`;
  return `nearest centroid is #${tag.segment.index} of ${tag.segment.centroids.length} (counted from 0; over ${tag.segment.preprocessor.columns.map((c) => esc(c.column)).join(', ')})`;
}

function metricsHtml(tag: PackTag): string {
  const m = tag.metrics;
  if (!m) return '<span class="muted">no metrics</span>';
  const cells = [`coverage ${pct(m.coverage.value)} <span class="ci">[${pct(m.coverage.low)}, ${pct(m.coverage.high)}]</span>`, `support ${m.support.toLocaleString('en-US')} of ${m.rows.toLocaleString('en-US')}`];
  for (const name of ['precision', 'recall', 'f1', 'lift'] as const) {
    const v = m[name];
    if (v) cells.push(`${name} ${v.value.toFixed(3)} <span class="ci">[${v.low.toFixed(3)}, ${v.high.toFixed(3)}]</span>`);
  }
  return cells.join('<br>') + valueMetricsHtml(m.value);
}

function gateHtml(tag: PackTag): string {
  const summary = gateSummary(tag);
  const list = (items: string[]): string => (items.length === 0 ? '' : `<ul class="reasons">${items.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>`);
  const notEvaluated = summary.notEvaluated.length > 0 ? `<div class="muted">not evaluated:</div>${list(summary.notEvaluated)}` : '';
  switch (summary.state) {
    case 'none':
      return '<span class="badge none">no gates</span>';
    case 'unchecked':
      return `<span class="badge none">gates not checked</span>${list(summary.notEvaluated)}`;
    case 'failed':
      return `<span class="badge fail">gates failed</span>${list(summary.reasons)}${notEvaluated}`;
    case 'partial':
      return `<span class="badge partial">${summary.evaluated.length > 0 ? 'evaluated gates passed' : 'no gate evaluated'}</span>${list(summary.evaluated)}${notEvaluated}`;
    case 'passed':
      return `<span class="badge pass">gates passed</span>${list(summary.evaluated)}`;
  }
}

/** Coverage and precision per tag with their intervals, as inline SVG (no script needed). */
function svgChart(pack: RulePack): string {
  const rows = pack.tags.filter((t) => t.metrics);
  if (rows.length === 0) return '';
  const rowH = 28;
  const left = 220;
  const width = 720;
  const plotW = width - left - 20;
  const height = rows.length * rowH + 40;
  const bars = rows
    .map((t, i) => {
      const m = t.metrics as NonNullable<PackTag['metrics']>;
      const y = 20 + i * rowH;
      const parts = [`<text x="${left - 8}" y="${y + 14}" text-anchor="end">${esc(t.name.length > 30 ? `${t.name.slice(0, 29)}…` : t.name)}</text>`];
      const bar = (v: { value: number; low: number; high: number }, dy: number, cls: string): string =>
        `<rect class="${cls}" x="${left}" y="${y + dy}" width="${(Math.min(1, v.value) * plotW).toFixed(1)}" height="9"/><line class="ci" x1="${left + Math.min(1, v.low) * plotW}" x2="${left + Math.min(1, v.high) * plotW}" y1="${y + dy + 4.5}" y2="${y + dy + 4.5}"/>`;
      parts.push(bar(m.coverage, 2, 'cov'));
      if (m.precision) parts.push(bar(m.precision, 13, 'prec'));
      return parts.join('');
    })
    .join('');
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="coverage and precision per tag"><g>${bars}</g><text x="${left}" y="${height - 6}" class="legend">■ coverage  <tspan class="prec-t">■ precision</tspan>  (lines: 95% intervals; scale 0–100%)</text></svg>`;
}

function plotlyChart(pack: RulePack): string {
  const tags = pack.tags.filter((t) => t.metrics);
  const trace = (name: 'coverage' | 'precision'): Record<string, unknown> => {
    const pts = tags.map((t) => (t.metrics as NonNullable<PackTag['metrics']>)[name]);
    return {
      type: 'bar',
      orientation: 'h',
      name,
      y: tags.map((t) => t.name),
      x: pts.map((p) => p?.value ?? null),
      error_x: { type: 'data', symmetric: false, array: pts.map((p) => (p ? p.high - p.value : 0)), arrayminus: pts.map((p) => (p ? p.value - p.low : 0)) },
    };
  };
  const data = [trace('coverage'), trace('precision')];
  const layout = { barmode: 'group', height: 80 + tags.length * 40, margin: { l: 200, r: 20, t: 20, b: 40 }, xaxis: { range: [0, 1], tickformat: '.0%' } };
  return `<div id="metrics-chart"></div><script>Plotly.newPlot('metrics-chart', ${scriptJson(data)}, ${scriptJson(layout)}, {displayModeBar: false, staticPlot: false});</script>`;
}

/** A self-contained HTML report of a pack: opens anywhere, needs no network. */
export function packReportHtml(pack: RulePack, options: ReportOptions = {}): string {
  const status = approvalStatus(pack);
  const sql = SQL_DIALECTS.map((d) => {
    let text: string;
    try {
      text = packToSql(pack, d);
    } catch (err) {
      text = `-- not available for ${d}: ${err instanceof Error ? err.message : String(err)}`;
    }
    return `<details class="sql"><summary>${d} <button type="button" class="copy" data-target="sql-${d}">Copy</button></summary><pre id="sql-${d}">${esc(text)}</pre></details>`;
  }).join('\n');
  const tagRows = pack.tags
    .map((t) => `<tr class="tag" data-tag="${esc(t.name)}"><td><b>${esc(t.name)}</b><div class="muted">${esc(t.kind)} · ${esc(t.group)} · ${esc(t.status)}${t.owner ? ` · ${esc(t.owner)}` : ''}</div>${t.description ? `<div>${esc(t.description)}</div>` : ''}</td><td>${definitionHtml(t)}</td><td>${metricsHtml(t)}</td><td>${gateHtml(t)}</td></tr>`)
    .join('\n');
  const goldenCols = pack.golden.columns.map((c) => c.name);
  const golden = pack.golden.rows.length
    ? `<table class="golden"><thead><tr>${goldenCols.map((c) => `<th>${esc(c)}</th>`).join('')}<th>expected tags</th></tr></thead><tbody>${pack.golden.rows
        .map((r) => `<tr>${goldenCols.map((c) => `<td>${r.values[c] === null || r.values[c] === undefined ? '<span class="muted">NULL</span>' : esc(String(r.values[c]))}</td>`).join('')}<td>${r.expected.map(esc).join(', ') || '<span class="muted">none</span>'}</td></tr>`)
        .join('')}</tbody></table>`
    : '<p class="muted">No golden rows.</p>';
  const reviews = reviewStates(pack);
  const reviewHtml = reviews.length
    ? `<table><thead><tr><th>who</th><th>when</th><th>decision</th><th>note</th><th>content hash</th></tr></thead><tbody>${reviews
        .map((r) => `<tr class="${r.valid ? '' : 'void'}"><td>${esc(r.by)}</td><td>${esc(r.at)}</td><td>${esc(r.decision)}${r.valid ? '' : ' <span class="badge fail">void: pack edited since</span>'}</td><td>${esc(r.note)}</td><td><code>${esc(r.contentHash.slice(0, 19))}…</code></td></tr>`)
        .join('')}</tbody></table>`
    : '<p class="muted">Not reviewed yet.</p>';
  const sources = pack.provenance.sources.map((s) => `<li><code>${esc(s.name)}</code>: ${s.bytes.toLocaleString('en-US')} bytes, ${s.rows.toLocaleString('en-US')} rows, ${s.columns.length} columns, SHA-256 <code>${esc(s.sha256)}</code></li>`).join('');
  const chart = options.plotlyJs ? `<script>${options.plotlyJs.replace(/<\/script/gi, '<\\/script')}</script>${plotlyChart(pack)}` : svgChart(pack);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${esc(pack.name)} ${esc(pack.version)} — Assay rule pack</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#1d232b;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde2e8;padding-bottom:4px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e6e9ee;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f5f7fa;font-weight:600}.muted{color:#6b7480}.ci{color:#6b7480;font-size:12px}
code{font:12px ui-monospace,monospace;background:#f3f5f8;padding:1px 4px;border-radius:3px}
.rule{white-space:pre-wrap;word-break:break-word}.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;font-weight:600}
.pass{background:#ddf4e4;color:#17663a}.partial{background:#fff4d6;color:#7a5800}.fail{background:#fde2e1;color:#a3261f}.none{background:#eceff3;color:#555}
.approved{background:#ddf4e4;color:#17663a}.rejected{background:#fde2e1;color:#a3261f}.unreviewed{background:#fff4d6;color:#7a5800}
.reasons{margin:4px 0 0 16px;padding:0;font-size:12px}pre{background:#f6f8fa;padding:10px;overflow:auto;max-height:420px;font-size:12px}
.chart{width:100%;max-width:760px}.chart text{font-size:12px;fill:#1d232b}.chart .cov{fill:#4c78a8}.chart .prec{fill:#f58518}.chart line.ci{stroke:#222;stroke-width:1.2}.prec-t{fill:#f58518}
tr.void td{color:#8a9099}dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0}dt{color:#6b7480}
button.copy{margin-left:8px;font-size:11px}
</style></head><body>
<h1>${esc(pack.name)} <span class="muted">v${esc(pack.version)}</span> <span class="badge ${status}">${status}</span></h1>
<dl class="meta">
<dt>content hash</dt><dd><code>${esc(pack.contentHash)}</code></dd>
<dt>parent</dt><dd>${pack.parent ? `v${esc(pack.parent.version)} <code>${esc(pack.parent.contentHash)}</code>` : '<span class="muted">none</span>'}</dd>
<dt>created</dt><dd>${esc(pack.created.at)}${pack.created.by ? ` by ${esc(pack.created.by)}` : ''}</dd>
<dt>as of</dt><dd>${esc(pack.asOf)}</dd>
<dt>entity</dt><dd>table <code>${esc(pack.entity.table)}</code>, ${pack.entity.key === null ? 'no key column: rows are tagged, each output row carries its own columns; golden rows are named by their row number in the build data' : `key <code>${esc(pack.entity.key)}</code>`}</dd>
<dt>null policy</dt><dd>${esc(pack.nullPolicy)}: a tag fires only where its condition is TRUE; missing values never fire a condition</dd>
<dt>schema</dt><dd>${esc(pack.schema)}</dd>
</dl>
<h2>Tags (${pack.tags.length})</h2>
<table class="tags"><thead><tr><th>tag</th><th>definition</th><th>in-sample metrics on the build data (95% intervals)</th><th>gates</th></tr></thead><tbody>
${tagRows}
</tbody></table>
<h2>Metrics</h2>
${chart}
${valueSectionHtml(pack)}
<h2>Golden rows</h2>
${golden}
<h2>SQL</h2>
${sql}
<h2>Reviews</h2>
${reviewHtml}
<h2>Provenance</h2>
${sources ? `<ul>${sources}</ul>` : '<p class="muted">No source files recorded.</p>'}
${pack.featureSql ? `<h3>Feature SQL</h3><pre>${esc(pack.featureSql.duckdb)}</pre>` : ''}
<script>
document.querySelectorAll('button.copy').forEach(function (b) {
  b.addEventListener('click', function (e) {
    e.preventDefault();
    var text = document.getElementById(b.getAttribute('data-target')).textContent;
    if (navigator.clipboard) navigator.clipboard.writeText(text).then(function () { b.textContent = 'Copied'; });
  });
});
</script>
</body></html>
`;
}
