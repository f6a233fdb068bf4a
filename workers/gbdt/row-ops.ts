/**
 * The row-wise steps of growing a tree, shared by the trainer (one thread) and the helper threads
 * of parallel-histogram.ts, which run these very functions from their source text: so each is
 * self-contained (no outside references, no inner functions) and the threads cannot drift apart.
 */

/**
 * Stable partition of rows[begin, end) by one feature's bins (`bins` = that feature's column):
 * bins <= `bin` go left, the missing bin (255) goes left when `defaultLeft`. Rows going right
 * pass through scratch[begin, end). Returns the split point. Each side keeps its rows in ascending
 * order, so histogram builds walk the bin matrix forwards (the hardware prefetcher follows).
 */
export function partitionRange(bins: Uint8Array, rows: Uint32Array, begin: number, end: number, bin: number, defaultLeft: boolean, scratch: Uint32Array): number {
  // Side of every bin value, so the loop has no data-dependent branch (a mispredicted branch
  // per row costs more than the rest of the loop).
  const goesLeft = new Uint8Array(256);
  for (let b = 0; b <= bin && b < 255; b++) goesLeft[b] = 1;
  goesLeft[255] = defaultLeft ? 1 : 0;
  let l = begin;
  let r = begin;
  for (let i = begin; i < end; i++) {
    const row = rows[i] as number;
    const left = goesLeft[bins[row] as number] as number;
    rows[l] = row;
    scratch[r] = row;
    l += left;
    r += 1 - left;
  }
  rows.set(scratch.subarray(begin, r), l);
  return l;
}

/**
 * Sums of the gradient pairs of rows[begin, end) into out[at] (gradients) and out[at + 1]
 * (hessians), in row order. A tree's root sums are these over HIST_BLOCK_ROWS-row chunks, added in
 * chunk order, so threads can take the chunks.
 */
export function sumGradientRange(rows: Uint32Array, gh: Float32Array, begin: number, end: number, out: Float64Array, at: number): void {
  let G = 0;
  let H = 0;
  for (let k = begin; k < end; k++) {
    const r = rows[k] as number;
    G += gh[r * 2] as number;
    H += gh[r * 2 + 1] as number;
  }
  out[at] = G;
  out[at + 1] = H;
}

/**
 * For a split whose children are both leaves: margins[row * groups + group] += the left or the
 * right leaf value for rows[begin, end), instead of partitioning them (nothing reads their order
 * afterwards). One float32-rounded addition per row and tree, as a leaf-range update makes.
 */
export function addLeavesRange(
  bins: Uint8Array,
  rows: Uint32Array,
  begin: number,
  end: number,
  bin: number,
  defaultLeft: boolean,
  leftValue: number,
  rightValue: number,
  margins: Float32Array,
  groups: number,
  group: number,
): void {
  const values = new Float64Array(256).fill(rightValue);
  for (let b = 0; b <= bin && b < 255; b++) values[b] = leftValue;
  values[255] = defaultLeft ? leftValue : rightValue;
  if (groups === 1) {
    for (let i = begin; i < end; i++) {
      const row = rows[i] as number;
      margins[row] = Math.fround((margins[row] as number) + (values[bins[row] as number] as number));
    }
    return;
  }
  for (let i = begin; i < end; i++) {
    const idx = (rows[i] as number) * groups + group;
    margins[idx] = Math.fround((margins[idx] as number) + (values[bins[rows[i] as number] as number] as number));
  }
}
