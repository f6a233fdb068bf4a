import { describe, expect, it } from 'vitest';
import { reviewIssue } from '../../renderer/views/labels/label-data';
import { resultStillFits, sqlOnScreen, type ExportedSql } from '../../renderer/views/packs/pack-data';

describe('Packs: a job result only lands on the pack it was started for', () => {
  it('a check started on pack A is dropped once pack B is on screen', () => {
    expect(resultStillFits({ packText: 'A' }, { packText: 'A' })).toBe(true);
    expect(resultStillFits({ packText: 'A' }, { packText: 'B' })).toBe(false);
    expect(resultStillFits({ packText: 'A' }, { packText: null })).toBe(false);
  });

  it('a comparison is dropped when either side changed', () => {
    expect(resultStillFits({ packText: 'A', otherText: 'O' }, { packText: 'A', otherText: 'O' })).toBe(true);
    expect(resultStillFits({ packText: 'A', otherText: 'O' }, { packText: 'A', otherText: 'P' })).toBe(false);
    expect(resultStillFits({ packText: 'A', otherText: 'O' }, { packText: 'B', otherText: 'O' })).toBe(false);
    expect(resultStillFits({ packText: 'A', otherText: 'O' }, { packText: 'A', otherText: null })).toBe(false);
  });
});

describe('Packs: the SQL card never shows or copies another pack\'s SQL', () => {
  const exported: ExportedSql = { text: 'A', byDialect: { spark: 'SELECT a', duckdb: 'SELECT a2' }, error: null };

  it('shows the SQL exported for the pack on screen, per dialect', () => {
    expect(sqlOnScreen(exported, 'A', 'spark')).toEqual({ text: 'SELECT a', error: null, pending: false });
    expect(sqlOnScreen(exported, 'A', 'duckdb').text).toBe('SELECT a2');
  });

  it('the previous pack\'s SQL reads as pending while the new export runs', () => {
    expect(sqlOnScreen(exported, 'B', 'spark')).toEqual({ text: null, error: null, pending: true });
    expect(sqlOnScreen(null, 'B', 'spark').pending).toBe(true);
  });

  it('an export error shows only for the pack it was about', () => {
    const failed: ExportedSql = { text: 'A', byDialect: {}, error: 'bad AST' };
    expect(sqlOnScreen(failed, 'A', 'spark')).toEqual({ text: null, error: 'bad AST', pending: false });
    expect(sqlOnScreen(failed, 'B', 'spark').error).toBeNull();
  });
});

describe('Labels: the review queue job speaks for itself', () => {
  it('a failure says the review queue could not be built, not that training failed', () => {
    const issue = reviewIssue(false, 'Column "description" not found');
    expect(issue).toEqual({ cancelled: false, text: 'Review queue could not be built: Column "description" not found' });
    expect(issue.text).not.toMatch(/train/i);
  });

  it('a cancel says so', () => {
    expect(reviewIssue(true, 'Cancelled')).toEqual({ cancelled: true, text: 'Building the review queue was cancelled.' });
  });
});
