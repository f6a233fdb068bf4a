import { cpuHistogramKernel, HIST_STRIDE, type HistogramKernel, type HistogramRequest } from './histogram';

/**
 * The CPU histogram kernel in WebAssembly: the loop of histogram.ts's JS kernel, compiled from
 * histogram.wat (wabt 1.0.39: `wat2wasm histogram.wat`), embedded here so no file needs serving.
 * It runs 3-4x faster than the JS loop and gives bit-identical sums (same f64 adds, same order).
 */
const HISTOGRAM_WASM_BASE64 = 'AGFzbQEAAAABCwFgB39/f39/f38AAwIBAAUDAQABBxICBm1lbW9yeQIABWJ1aWxkAAAKnAEBmQEDAn8CfAR/IAMhBwJAA0AgByAETw0BIAIgB0ECdGooAgAhCCAFIAhBA3RqIg4qAgC7IQkgDioCBLshCiAAIAggAWxqIQtBACEMAkADQCAMIAFPDQEgBiAMQQx0aiALIAxqLQAAQQR0aiINIA0rAwAgCaA5AwAgDSANKwMIIAqgOQMIIAxBAWohDAwACwsgB0EBaiEHDAALCws=';

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

let compiled: WebAssembly.Module | null = null;

type BuildFn = (bins: number, F: number, rows: number, begin: number, end: number, gh: number, hist: number) => void;

const PAGE = 65536;

/**
 * A WASM histogram kernel for one training run. The bin matrix is copied into WASM memory once
 * (per bins array), the gradient pairs once per tree (a new `rows` array marks a new tree, as the
 * trainer gives every tree a fresh one), the node's rows on every call.
 */
export function createWasmHistogramKernel(): HistogramKernel {
  compiled ??= new WebAssembly.Module(decodeBase64(HISTOGRAM_WASM_BASE64) as Uint8Array<ArrayBuffer>);
  const instance = new WebAssembly.Instance(compiled, {});
  const memory = instance.exports.memory as WebAssembly.Memory;
  const build = instance.exports.build as BuildFn;
  let bins: Uint8Array | null = null;
  let rowsSeen: Uint32Array | null = null;
  let layout = { bins: 0, rows: 0, gh: 0, hist: 0, rowCapacity: 0, F: 0 };

  const ensureLayout = (request: HistogramRequest): void => {
    const F = request.nFeatures;
    const nRows = F > 0 ? request.bins.length / F : 0;
    if (bins === request.bins && layout.F === F) return;
    const align8 = (x: number): number => Math.ceil(x / 8) * 8;
    const binsAt = 0;
    const rowsAt = align8(binsAt + request.bins.length);
    const ghAt = align8(rowsAt + nRows * 4);
    const histAt = align8(ghAt + nRows * 8);
    const end = histAt + F * HIST_STRIDE * 8;
    const pages = Math.ceil(end / PAGE) - memory.buffer.byteLength / PAGE;
    if (pages > 0) memory.grow(pages);
    new Uint8Array(memory.buffer, binsAt, request.bins.length).set(request.bins);
    bins = request.bins;
    rowsSeen = null;
    layout = { bins: binsAt, rows: rowsAt, gh: ghAt, hist: histAt, rowCapacity: nRows, F };
  };

  return {
    backend: 'cpu',
    build(request, out) {
      // Feature subsets (colsample_bytree) take the JS loop: the WASM one builds every feature.
      if (request.features.length !== request.nFeatures) return cpuHistogramKernel.build(request, out);
      ensureLayout(request);
      const count = request.end - request.begin;
      if (rowsSeen !== request.rows) {
        new Float32Array(memory.buffer, layout.gh, layout.rowCapacity * 2).set(request.gh.subarray(0, layout.rowCapacity * 2));
        rowsSeen = request.rows;
      }
      new Uint32Array(memory.buffer, layout.rows, count).set(request.rows.subarray(request.begin, request.end));
      const hist = new Float64Array(memory.buffer, layout.hist, layout.F * HIST_STRIDE);
      hist.fill(0);
      build(layout.bins, layout.F, layout.rows, 0, count, layout.gh, layout.hist);
      out.set(hist);
    },
  };
}
