/** The Validate tab's value fields: a value expression and a GMV-lift gate become the job's value and gate, or a problem in words. */
import { describe, expect, it } from 'vitest';
import type { TagsValidateParams } from '../../workers/api';
import { withValueParams } from '../../renderer/views/tags/value-params';

const base: TagsValidateParams = { tagSet: { tags: [] }, source: { table: 't' }, gates: { perTag: [{ metric: 'precision', min: 0.8 }] }, split: { kind: 'all' } };

describe('value fields of the Validate tab', () => {
  it('adds the value and the lift gate beside the form gates; blank fields change nothing', () => {
    expect(withValueParams(base, { expression: '  ', minLift: '' })).toEqual({ ok: true, value: base });
    const valued = withValueParams(base, { expression: ' Quantity * UnitPrice ', minLift: '1.2' });
    expect(valued).toEqual({ ok: true, value: { ...base, value: { expression: 'Quantity * UnitPrice' }, gates: { perTag: [{ metric: 'precision', min: 0.8 }, { metric: 'valueLift', min: 1.2 }] } } });
  });

  it('refuses a gate without a value, or one that is not a number', () => {
    expect(withValueParams(base, { expression: '', minLift: '1.2' })).toEqual({ ok: false, problems: ['A GMV lift gate needs a value expression (e.g. Quantity * UnitPrice).'] });
    expect(withValueParams(base, { expression: 'gmv', minLift: 'lots' })).toEqual({ ok: false, problems: ['The GMV lift gate must be a number ≥ 0 (got "lots").'] });
  });
});
