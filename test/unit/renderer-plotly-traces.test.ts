/// <reference types="vite/client" />
// renderer/components/plotly.ts imports Plotly's script as a Vite `?url` asset.
import type { Data } from 'plotly.js';
import { describe, expect, it } from 'vitest';
import { withBundledTraces } from '../../renderer/components/plotly';

const types = (data: readonly Data[]): Array<string | undefined> => data.map((trace) => ('type' in trace ? (trace.type as string | undefined) : undefined));

describe('traces drawn with the bundled (cartesian) Plotly', () => {
  it('draws WebGL scatters as SVG scatters, keeping their attributes, and leaves other traces alone', () => {
    const input: Data[] = [
      { type: 'scattergl', mode: 'markers', x: [1, 2], y: [3, 4], marker: { size: 3 } },
      { type: 'bar', x: ['a'], y: [1] },
      { x: [1], y: [2] },
    ];
    const drawn = withBundledTraces(input);
    expect(types(drawn)).toEqual(['scatter', 'bar', undefined]);
    expect(drawn[0]).toMatchObject({ mode: 'markers', x: [1, 2], y: [3, 4], marker: { size: 3 } });
    expect(drawn[1]).toBe(input[1]);
    // The caller's figure is not changed.
    expect(types(input)[0]).toBe('scattergl');
  });

});
