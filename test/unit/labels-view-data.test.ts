/** The Labels view's pure helpers: column defaults, the review queue's bookkeeping, the curve figure. */
import { describe, expect, it } from 'vitest';
import type { ColumnInfo, ReviewRow } from '../../workers/api';
import { defaultLabelColumn, defaultTextColumn, pendingReview, percent, withCorrection } from '../../renderer/views/labels/label-data';
import { coverageCurveFigure } from '../../renderer/views/labels/label-figures';

const column = (name: string, type: string): ColumnInfo => ({ name, type }) as ColumnInfo;

describe('Labels view helpers', () => {
  it('picks a title-like text column and a category-like label column', () => {
    const columns = [column('product_id', 'BIGINT'), column('brand', 'VARCHAR'), column('product_name', 'VARCHAR'), column('department', 'VARCHAR')];
    expect(defaultTextColumn(columns)).toBe('product_name');
    expect(defaultLabelColumn(columns, 'product_name')).toBe('brand');
    expect(defaultLabelColumn([column('title', 'VARCHAR'), column('x', 'VARCHAR'), column('category', 'VARCHAR')], 'title')).toBe('category');
    expect(defaultTextColumn([column('n', 'DOUBLE')])).toBe('');
  });

  it('keeps one correction per row and hides reviewed rows', () => {
    const rows = [0, 1, 2].map((row): ReviewRow => ({ row, text: `t${row}`, best: 'a', confidence: 0.5, second: 'b', secondConfidence: 0.4 }));
    let corrections = withCorrection([], { row: 1, text: 't1', label: 'a' });
    corrections = withCorrection(corrections, { row: 1, text: 't1', label: 'b' });
    expect(corrections).toEqual([{ row: 1, text: 't1', label: 'b' }]);
    expect(pendingReview(rows, corrections).map((r) => r.row)).toEqual([0, 2]);
  });

  it('draws precision against coverage with the target line', () => {
    const figure = coverageCurveFigure(
      [
        { threshold: 0.9, coverage: 0.5, precision: 0.98 },
        { threshold: 0.5, coverage: 1, precision: 0.85 },
      ],
      0.95,
    );
    expect(figure.data).toHaveLength(2);
    expect((figure.data[0] as { x: number[] }).x).toEqual([0.5, 1]);
    expect((figure.data[1] as { y: number[] }).y).toEqual([0.95, 0.95]);
    expect(percent(0.9341)).toBe('93.4%');
    expect(percent(null)).toBe('–');
  });
});
