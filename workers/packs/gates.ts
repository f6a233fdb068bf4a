import type { Gate, GateOutcome, TagMetrics } from './schema';

/** What a tag's gates say, in the same words in the CLI, the SQL header and the HTML report. */
export interface GateSummary {
  /** passed: every gate evaluated and passed; partial: those evaluated passed, some could not be; failed; none: no gates; unchecked. */
  state: 'passed' | 'partial' | 'failed' | 'none' | 'unchecked';
  /** One line, e.g. "gates passed: coverage ≥ 1%; not evaluated: precision ≥ 0.80 (needs a label)". */
  text: string;
  evaluated: string[];
  notEvaluated: string[];
  reasons: string[];
  /** The gates behind `evaluated`, for callers that word gates their own way. */
  evaluatedGates: Gate[];
}

const figure = (metric: string, v: number): string => (metric === 'coverage' || metric === 'valueShare' ? `${Number((v * 100).toPrecision(6))}%` : metric === 'support' ? String(v) : v.toFixed(2));

/** A gate in words: "precision ≥ 0.80", "coverage ≥ 1%". */
export function describeGate(gate: Gate): string {
  const parts: string[] = [];
  if (gate.min !== undefined) parts.push(`${gate.metric} ≥ ${figure(gate.metric, gate.min)}`);
  if (gate.max !== undefined) parts.push(`${gate.metric} ≤ ${figure(gate.metric, gate.max)}`);
  return parts.join(' and ');
}

/** Gates on the value (GMV lift, GMV share): they need a value expression, not a label. */
export const needsValue = (gate: Gate): boolean => gate.metric === 'valueLift' || gate.metric === 'valueShare';

/** Gates that need a label (anything but coverage, support and the value gates). */
export const needsLabel = (gate: Gate): boolean => gate.metric !== 'coverage' && gate.metric !== 'support' && !needsValue(gate);

/** Why a gate was left out when the pack was measured without a label. */
export const NO_LABEL = 'needs a label; the pack was measured without one';

/** Why a value gate was left out when the pack was measured without a value expression. */
export const NO_VALUE = 'needs a value expression (--value); the pack was measured without one';

/**
 * The gates a tag was checked against and those it could not be. Packs written before
 * `notEvaluated` was recorded are read from their metrics: a label gate whose metric is missing
 * and that no failure reason names was not evaluated.
 */
export function gateSummary(tag: { gates: Gate[]; gateOutcome: GateOutcome | null; metrics: TagMetrics | null }): GateSummary {
  const outcome = tag.gateOutcome;
  if (tag.gates.length === 0 && (outcome === null || outcome.reasons.length === 0)) return { state: 'none', text: 'no gates', evaluated: [], notEvaluated: [], reasons: [], evaluatedGates: [] };
  if (outcome === null) {
    const notEvaluated = tag.gates.map(describeGate);
    return { state: 'unchecked', text: `gates not checked: ${notEvaluated.join('; ')}`, evaluated: [], notEvaluated, reasons: [], evaluatedGates: [] };
  }
  const recorded = outcome.notEvaluated;
  const skipped = recorded ?? tag.gates.filter((g) => needsLabel(g) && tag.metrics?.[g.metric as keyof TagMetrics] === undefined && !outcome.reasons.some((r) => r.startsWith(g.metric))).map((g) => `${describeGate(g)} (${NO_LABEL})`);
  const skippedGates = new Set(recorded ? tag.gates.filter((g) => recorded.some((s) => s.startsWith(describeGate(g)))) : tag.gates.filter((g) => skipped.some((s) => s.startsWith(describeGate(g)))));
  const evaluatedGates = tag.gates.filter((g) => !skippedGates.has(g));
  const evaluated = evaluatedGates.map(describeGate);
  const tail = skipped.length > 0 ? `; not evaluated: ${skipped.join('; ')}` : '';
  if (!outcome.passed) return { state: 'failed', text: `gates failed: ${outcome.reasons.join('; ')}${tail}`, evaluated, notEvaluated: skipped, reasons: outcome.reasons, evaluatedGates };
  if (evaluated.length === 0) return { state: 'partial', text: `no gate evaluated${tail}`, evaluated, notEvaluated: skipped, reasons: [], evaluatedGates };
  return { state: skipped.length > 0 ? 'partial' : 'passed', text: `gates passed: ${evaluated.join('; ')}${tail}`, evaluated, notEvaluated: skipped, reasons: [], evaluatedGates };
}
