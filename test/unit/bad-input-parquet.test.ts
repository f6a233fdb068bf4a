import { describe, expect, it } from 'vitest';
import { checkChunkPages, crc32 } from '../../workers/data/parquet-check';
import { varint, zigzag32 } from '../helpers/thrift-bytes';

/**
 * The page walk of a Parquet column chunk, on chunks built here byte by byte: neither DuckDB
 * nor parquet-wasm writes page CRCs, so the corpus files cannot exercise that branch.
 */

/** A PageHeader in Thrift compact form: type, sizes and (optionally) the CRC, then the payload. */
function page(payload: number[], options: { crc?: number; claimed?: number } = {}): number[] {
  const i32 = (delta: number, value: number): number[] => [(delta << 4) | 5, ...varint(zigzag32(value))];
  const header = [...i32(1, 0), ...i32(1, payload.length), ...i32(1, options.claimed ?? payload.length)];
  if (options.crc !== undefined) header.push(...i32(1, options.crc | 0));
  return [...header, 0, ...payload];
}

describe('Parquet page checks', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('accepts pages whose CRC matches, and names the page whose CRC does not', () => {
    const a = [1, 2, 3, 4, 5, 6, 7, 8];
    const b = [9, 9, 9, 9];
    const good = Uint8Array.from([...page(a, { crc: crc32(Uint8Array.from(a)) }), ...page(b, { crc: crc32(Uint8Array.from(b)) })]);
    expect(checkChunkPages(good)).toBeNull();
    const damaged = Uint8Array.from(good);
    damaged[damaged.length - 1] = 7; // a byte of page 2's payload
    expect(checkChunkPages(damaged)).toBe('page 2 fails its checksum');
  });

  it('accepts pages without a CRC, and refuses sizes that run past the chunk or headers that do not parse', () => {
    expect(checkChunkPages(Uint8Array.from(page([1, 2, 3])))).toBeNull();
    expect(checkChunkPages(Uint8Array.from(page([1, 2, 3], { claimed: 300 })))).toBe('page 1 claims more bytes than its column chunk holds');
    expect(checkChunkPages(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBe('page 1 has an unreadable header');
  });
});
