import { describe, expect, it } from 'vitest';
import type { PackTag } from '../../workers/api';
import {
  applyTableName,
  buildFormProblems,
  cellText,
  diffLine,
  formatDelta,
  formatInterval,
  formatJaccard,
  formatMetricValue,
  gateBadge,
  keyChoiceText,
  nextVersion,
  packFileName,
  parseJsonFile,
  recordedMetrics,
  rowIdentity,
  shortHash,
  tagCount,
  tagDefinitionText,
} from '../../renderer/views/packs/pack-data';
import { tagMetricFigure } from '../../renderer/views/packs/pack-figures';
import { emptyPacksWorkspace, packsWorkspaceStateSchema } from '../../renderer/views/packs/types';
import { parseWorkspace, serializeWorkspace, emptyWorkspace } from '../../renderer/workspace';

function ruleTag(over: Partial<PackTag> = {}): PackTag {
  return {
    kind: 'rule',
    name: 'big spender',
    group: 'basic',
    description: '',
    owner: '',
    status: 'draft',
    metrics: null,
    gates: [],
    gateOutcome: null,
    rule: { text: 'spend_90d > 500', ast: { type: 'compare', op: '>', left: { kind: 'column', name: 'spend_90d' }, right: { kind: 'number', value: 500 } } },
    ...over,
  } as PackTag;
}

describe('packs view helpers', () => {
  it('formats metrics with their 95% intervals', () => {
    const metrics = { rows: 1000, support: 125, coverage: { value: 0.125, low: 0.105, high: 0.1475 }, lift: { value: 2.5, low: 1.9, high: 3.25 }, precision: { value: 0.05, low: 0.031, high: 0.078 } };
    expect(formatInterval('coverage', metrics)).toBe('12.5% (10.5–14.8%)');
    expect(formatInterval('precision', metrics)).toBe('5.00% (3.10–7.80%)');
    expect(formatInterval('lift', metrics)).toBe('2.50× (1.90–3.25)');
    expect(formatInterval('recall', metrics)).toBeNull();
    expect(formatInterval('coverage', null)).toBeNull();
    expect(formatMetricValue('support', 12345)).toBe('12,345');
    expect(formatMetricValue('coverage', null)).toBe('—');
  });

  it('lists only the metrics some tag records, coverage first', () => {
    const withPrecision = ruleTag({ metrics: { rows: 10, support: 1, coverage: { value: 0.1, low: 0, high: 0.4 }, precision: { value: 1, low: 0.2, high: 1 } } });
    expect(recordedMetrics([ruleTag(), withPrecision])).toEqual(['coverage', 'precision']);
    expect(recordedMetrics([ruleTag()])).toEqual(['coverage']);
  });

  it('shows gate outcomes as badges with the reasons', () => {
    expect(gateBadge(ruleTag())).toMatchObject({ tone: 'none', label: 'no gates' });
    const failed = gateBadge(ruleTag({ gates: [{ metric: 'precision', min: 0.8 }], gateOutcome: { passed: false, reasons: ['precision 0.61 is below 0.8'] } }));
    expect(failed).toEqual({ tone: 'fail', label: 'gates failed', detail: 'precision 0.61 is below 0.8' });
    const passed = gateBadge(ruleTag({ gates: [{ metric: 'coverage', min: 0.01, max: 0.5 }], gateOutcome: { passed: true, reasons: [] } }));
    expect(passed.tone).toBe('pass');
    expect(passed.detail).toBe('coverage ≥ 1.00%, coverage ≤ 50.0%');
    // Measured without a label: the precision gate was not evaluated, so the badge never says "gates passed".
    const partial = gateBadge(
      ruleTag({ gates: [{ metric: 'precision', min: 0.8 }, { metric: 'coverage', min: 0.01 }], gateOutcome: { passed: true, reasons: [], notEvaluated: ['precision ≥ 0.80 (needs a label; the pack was measured without one)'] } }),
    );
    expect(partial).toEqual({ tone: 'partial', label: 'evaluated gates passed', detail: 'Passed: coverage ≥ 1.00%. Not evaluated: precision ≥ 0.80 (needs a label; the pack was measured without one)' });
  });

  it('offers only unique columns as the key, and says why when none is', () => {
    expect(keyChoiceText(null).automatic).toMatch(/checking/);
    expect(keyChoiceText({ candidates: [{ name: 'n', idLike: false }, { name: 'user_id', idLike: true }] })).toEqual({ automatic: 'automatic: user_id', note: null });
    const none = keyChoiceText({ candidates: [], reason: 'no whole-number or text column has a distinct, non-empty value on each of the 12,330 rows' });
    expect(none.automatic).toBe('none: tag rows');
    expect(none.note).toBe('No column can be the key: no whole-number or text column has a distinct, non-empty value on each of the 12,330 rows. The pack will tag rows: each output row keeps its columns.');
    expect(rowIdentity(7, true)).toBe('row 7');
    expect(rowIdentity('u1', false)).toBe('key u1');
  });

  it('describes each kind of tag in one line', () => {
    expect(tagDefinitionText(ruleTag())).toBe('spend_90d > 500');
    const model = { ...ruleTag(), kind: 'model', model: { xgboostJson: '{}', threshold: 0.4 } } as unknown as PackTag;
    expect(tagDefinitionText(model)).toContain('≥ 0.4');
  });

  it('splits condition-level diff lines into tone and text', () => {
    expect(diffLine('- spend_90d > 500')).toEqual({ tone: 'removed', text: 'spend_90d > 500' });
    expect(diffLine('+ spend_90d > 400')).toEqual({ tone: 'added', text: 'spend_90d > 400' });
    expect(diffLine("  country = 'UK'")).toEqual({ tone: 'kept', text: "country = 'UK'" });
  });

  it('formats metric deltas and Jaccard', () => {
    expect(formatDelta({ metric: 'coverage', old: 0.12, new: 0.14, delta: 0.02 })).toBe('12.0% → 14.0% (+2.0 pts)');
    expect(formatDelta({ metric: 'support', old: 14, new: 10, delta: -4 })).toBe('14 → 10 (−4)');
    expect(formatDelta({ metric: 'lift', old: null, new: 2, delta: null })).toBe('— → 2.00×');
    expect(formatJaccard(0.83333)).toBe('0.833');
    expect(formatJaccard(null)).toBe('—');
  });

  it('makes safe file and table names and the next version', () => {
    expect(packFileName('Churn risk / EU', '1.2.0', 'json')).toBe('Churn_risk_EU-1.2.0.json');
    expect(packFileName('', '', 'html')).toBe('pack.html');
    expect(applyTableName('Churn risk EU')).toBe('churn_risk_eu_tags');
    expect(applyTableName('2026 pack')).toBe('p_2026_pack_tags');
    expect(nextVersion('1.2.3')).toBe('1.3.0');
    expect(nextVersion('garbage')).toBe('1.0.0');
    expect(shortHash(`sha256:${'ab'.repeat(32)}`)).toBe('sha256:abababababab…');
  });

  it('checks the build form in words', () => {
    expect(buildFormProblems({ name: 'p', version: '1.0.0', table: 't', hasTags: true })).toEqual([]);
    expect(buildFormProblems({ name: ' ', version: '1.0', table: '', hasTags: false })).toEqual([
      'Choose a tag set with at least one tag.',
      'Choose the table to measure the tags on.',
      'Give the pack a name.',
      'The version must be a semantic version such as 1.0.0.',
    ]);
  });

  it('reads tag set files and counts their tags', () => {
    expect(tagCount(parseJsonFile('{"schema":"assay.tagset/1","tags":[{},{}]}', 'tag set file'))).toBe(2);
    expect(() => parseJsonFile('{"tags": [', 'tag set file')).toThrow(/The tag set file is not valid JSON/);
    expect(tagCount(null)).toBe(0);
    expect(tagCount({ tags: 'x' })).toBe(0);
    expect(cellText(null)).toBe('NULL');
    expect(cellText(false)).toBe('false');
  });

  it('charts one metric per tag with asymmetric 95% error bars, skipping tags without it', () => {
    const a = ruleTag({ name: 'a', metrics: { rows: 100, support: 20, coverage: { value: 0.2, low: 0.13, high: 0.29 }, lift: { value: 2, low: 1.5, high: 2.75 } } });
    const b = ruleTag({ name: 'b', metrics: { rows: 100, support: 5, coverage: { value: 0.05, low: 0.02, high: 0.11 } } });
    const c = ruleTag({ name: 'c' });
    const coverage = tagMetricFigure([a, b, c], 'coverage');
    const bar = coverage.data[0] as { y: string[]; x: number[]; error_x: { array: number[]; arrayminus: number[] } };
    expect(bar.y).toEqual(['a', 'b']);
    expect(bar.x).toEqual([0.2, 0.05]);
    expect(bar.error_x.array.map((v) => Number(v.toFixed(6)))).toEqual([0.09, 0.06]);
    expect(bar.error_x.arrayminus.map((v) => Number(v.toFixed(6)))).toEqual([0.07, 0.03]);
    expect(coverage.layout.xaxis?.tickformat).toBe('.0%');
    const lift = tagMetricFigure([a, b, c], 'lift');
    expect((lift.data[0] as { y: string[] }).y).toEqual(['a']);
    expect(lift.layout.shapes).toHaveLength(1);
  });

  it('keeps its state in the workspace file, which stays readable without it', () => {
    const state = { ...emptyPacksWorkspace(), reviewer: 'pm', open: { fileName: 'p.json', text: '{}', saved: false } };
    expect(packsWorkspaceStateSchema.parse(state)).toEqual(state);
    const workspace = { ...emptyWorkspace(), packs: state };
    expect(parseWorkspace(serializeWorkspace(workspace)).packs).toEqual(state);
    expect(parseWorkspace(serializeWorkspace(emptyWorkspace())).packs).toBeUndefined();
    expect(() => parseWorkspace(serializeWorkspace({ ...emptyWorkspace(), packs: { ...state, build: { ...state.build, parent: 'maybe' } } } as never))).toThrow(/packs\.build\.parent/);
  });
});
