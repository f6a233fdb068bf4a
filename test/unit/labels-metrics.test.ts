/** Labelling metrics: coverage at a precision (ties kept together), thresholds, macro-F1. */
import { describe, expect, it } from 'vitest';
import { accuracy, coverageAtPrecision, macroF1, precisionCoverageCurve, thresholdForPrecision } from '../../workers/labels/metrics';

describe('labels metrics', () => {
  // Confidence high to low: right, right, wrong, right, wrong.
  const confidence = [0.99, 0.9, 0.8, 0.7, 0.6];
  const correct = [1, 1, 0, 1, 0];

  it('coverage at a precision is the largest confident share at that precision', () => {
    expect(coverageAtPrecision(confidence, correct, 1)).toBeCloseTo(2 / 5);
    expect(coverageAtPrecision(confidence, correct, 0.75)).toBeCloseTo(4 / 5);
    expect(coverageAtPrecision(confidence, correct, 0.6)).toBeCloseTo(1);
    expect(coverageAtPrecision([], [], 0.9)).toBe(0);
    expect(coverageAtPrecision([0.5, 0.4], [0, 0], 0.5)).toBe(0);
  });

  it('never splits rows of equal confidence', () => {
    // The top two tie: one right, one wrong, so 100% precision is out of reach.
    expect(coverageAtPrecision([0.9, 0.9, 0.5], [1, 0, 1], 1)).toBe(0);
    expect(thresholdForPrecision([0, 1, 2], [0.9, 0.9, 0.5], [1, 0, 1], 0.5)).toEqual({ threshold: 0.5, kept: 3 });
  });

  it('the threshold for a precision is the lowest confidence still kept', () => {
    expect(thresholdForPrecision([0, 1, 2, 3, 4], confidence, correct, 0.75)).toEqual({ threshold: 0.7, kept: 4 });
    expect(thresholdForPrecision([2, 4], confidence, correct, 0.5)).toBeNull();
  });

  it('the curve runs from the most confident row to all rows', () => {
    const curve = precisionCoverageCurve(confidence, correct);
    expect(curve[0]).toEqual({ threshold: 0.99, coverage: 0.2, precision: 1 });
    expect(curve.at(-1)).toEqual({ threshold: 0.6, coverage: 1, precision: 0.6 });
  });

  it('macro-F1 averages per-class F1 over the classes present (scikit-learn)', () => {
    const truth = [0, 0, 1, 1, 2];
    const predicted = [0, 1, 1, 1, 0];
    // class 0: tp1 fp1 fn1 -> 0.5; class 1: tp2 fp1 fn0 -> 0.8; class 2: tp0 fn1 -> 0.
    expect(macroF1(truth, predicted, 4)).toBeCloseTo((0.5 + 0.8 + 0) / 3);
    expect(accuracy(truth, predicted)).toBeCloseTo(3 / 5);
  });
});
