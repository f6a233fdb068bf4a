import { HIST_STRIDE, type HistogramKernel, type HistogramRequest } from './histogram';

/**
 * The CPU histogram kernel in WebAssembly: the loop of histogram.ts's JS kernel, compiled from
 * histogram.wat (wabt 1.0.39: `wat2wasm histogram.wat`, WASM SIMD), embedded here so no file needs
 * serving. It gives bit-identical sums to the JS loop (same f64 adds, same order), several times faster.
 */
const HISTOGRAM_WASM_BASE64 =
  'AGFzbQEAAAABIgNgB39/f39/f38Bf2AJf39/f39/f39/AX9gBn9/f39/fAADBAMAAQIFAwEAAQc0BAZtZW1vcnkCAAVidWlsZAAAC2J1aWxkU3Vic2V0AAERZ3JhZGllbnRzTG9naXN0aWMAAgrrCgP/AgILfwF7IAFBfHEhDiACIANBAnRqIQcgAiAEQQJ0aiEKAkADQCAHIApPDQEgBygCACELIAdBwABqIQggCCAHIAggCkkbKAIAIQggCSAAIAggAWxqLQAAIAUgCEEDdGotAABqcyEJIAUgC0EDdGr9XQMA/V8hEiAAIAsgAWxqIQxBACENIAYhDwJAA0AgDSAOTw0BIAwgDWooAgAhECAPIBBBBHRB8B9xaiERIBEgEf0ABAAgEv3wAf0LBAAgDyAQQQR2QfAfcWohESARIBH9AASAISAS/fAB/QsEgCEgDyAQQQx2QfAfcWohESARIBH9AASAQiAS/fAB/QsEgEIgDyAQQRR2QfAfcWohESARIBH9AASAYyAS/fAB/QsEgGMgDUEEaiENIA9BgIQBaiEPDAALCwJAA0AgDSABTw0BIA8gDCANai0AAEEEdGohESARIBH9AAQAIBL98AH9CwQAIA1BAWohDSAPQYAhaiEPDAALCyAHQQRqIQcMAAsLIAkL1wEDB38BewJ/IAIgA0ECdGohCSACIARBAnRqIQoCQANAIAkgCk8NASAJKAIAIQsgCUHAAGohESARIAkgESAKSRsoAgAhESASIAAgESABbGotAAAgBSARQQN0ai0AAGpzIRIgBSALQQN0av1dAwD9XyEQIAAgCyABbGohDEEAIQ0CQANAIA0gCE8NASAHIA1BAnRqKAIAIQ4gBiAOQYAhbGogDCAOai0AAEEEdGohDyAPIA/9AAQAIBD98AH9CwQAIA1BAWohDQwACwsgCUEEaiEJDAALCyASC44GAgF/DnsgAyEGAkADQCAGIARPDQEgACAGQQJ0av1dAwD9X/3tASEH/Qz+gitlRxX3P/6CK2VHFfc/IAf98gH9DAAAAAAAAOC/AAAAAAAA4L/9DAAAAAAAAOA/AAAAAAAA4D8gB/0MAAAAAAAAAAAAAAAAAAAAAP1J/VL98AH9/AEhCSAJ/f4BIQggByAI/QwAAOD+Qi7mPwAA4P5CLuY//fIB/fEBIQogCP0Mdjx5Ne856j12PHk17znqPf3yASELIAogC/3xASEMIAwgDP3yASEN/Qzxa9LFQb27vvFr0sVBvbu+IA39DNCkvnJpN2Y+0KS+cmk3Zj798gH98AEhDv0MLN4lr2pWET8s3iWvalYRPyANIA798gH98AEhDv0Mk72+FmzBZr+Tvb4WbMFmvyANIA798gH98AEhDv0MPlVVVVVVxT8+VVVVVVXFPyANIA798gH98AEhDiAMIA0gDv3yAf3xASEO/QwAAAAAAADwPwAAAAAAAPA/IAsgDCAO/fIB/QwAAAAAAAAAQAAAAAAAAABAIA798QH98wH98QEgCv3xAf3xASAJ/ccB/Qz/AwAAAAAAAP8DAAAAAAAA/c4BQTT9ywH98gEhD/0MAAAAAAAA8H8AAAAAAADwfyAPIAf9DAAAAAAA4IVAAAAAAADghUD9TP1SIQ/9DAAAAAAAAAAAAAAAAAAAAAAgDyAH/QwAAAAAAOCFwAAAAAAA4IXA/Uv9UiEP/QwAAAAAAADwPwAAAAAAAPA//QwAAAAAAADwPwAAAAAAAPA/IA/98AH98wEhECABIAZBAnRq/V0DAP1fIREgBf0U/QwAAAAAAADwPwAAAAAAAPA/IBH9DAAAAAAAAOA/AAAAAAAA4D/9Sv1SIRIgECAR/fEBIBL98gEhEyAQ/QwAAAAAAADwPwAAAAAAAPA/IBD98QH98gH9DLyJ2Jey0pw8vInYl7LSnDz99QEgEv3yASEUIAIgBkEDdGogE/1eIBT9Xv0NAAECAxAREhMEBQYHFBUWF/0LBAAgBkECaiEGDAALCws=';

/**
 * The same kernel importing a shared memory (`env.memory`), for the threads of
 * parallel-histogram.ts, which keep the bins, rows, gradient pairs and block histograms in one
 * WebAssembly.Memory so no thread copies them: histogram.wat with its memory line replaced by
 * `(import "env" "memory" (memory 1 65536 shared))`, compiled with `wat2wasm --enable-threads`.
 */
const HISTOGRAM_SHARED_WASM_BASE64 =
  'AGFzbQEAAAABIgNgB39/f39/f38Bf2AJf39/f39/f39/AX9gBn9/f39/fAACEgEDZW52Bm1lbW9yeQIDAYCABAMEAwABAgcrAwVidWlsZAAAC2J1aWxkU3Vic2V0AAERZ3JhZGllbnRzTG9naXN0aWMAAgrrCgP/AgILfwF7IAFBfHEhDiACIANBAnRqIQcgAiAEQQJ0aiEKAkADQCAHIApPDQEgBygCACELIAdBwABqIQggCCAHIAggCkkbKAIAIQggCSAAIAggAWxqLQAAIAUgCEEDdGotAABqcyEJIAUgC0EDdGr9XQMA/V8hEiAAIAsgAWxqIQxBACENIAYhDwJAA0AgDSAOTw0BIAwgDWooAgAhECAPIBBBBHRB8B9xaiERIBEgEf0ABAAgEv3wAf0LBAAgDyAQQQR2QfAfcWohESARIBH9AASAISAS/fAB/QsEgCEgDyAQQQx2QfAfcWohESARIBH9AASAQiAS/fAB/QsEgEIgDyAQQRR2QfAfcWohESARIBH9AASAYyAS/fAB/QsEgGMgDUEEaiENIA9BgIQBaiEPDAALCwJAA0AgDSABTw0BIA8gDCANai0AAEEEdGohESARIBH9AAQAIBL98AH9CwQAIA1BAWohDSAPQYAhaiEPDAALCyAHQQRqIQcMAAsLIAkL1wEDB38BewJ/IAIgA0ECdGohCSACIARBAnRqIQoCQANAIAkgCk8NASAJKAIAIQsgCUHAAGohESARIAkgESAKSRsoAgAhESASIAAgESABbGotAAAgBSARQQN0ai0AAGpzIRIgBSALQQN0av1dAwD9XyEQIAAgCyABbGohDEEAIQ0CQANAIA0gCE8NASAHIA1BAnRqKAIAIQ4gBiAOQYAhbGogDCAOai0AAEEEdGohDyAPIA/9AAQAIBD98AH9CwQAIA1BAWohDQwACwsgCUEEaiEJDAALCyASC44GAgF/DnsgAyEGAkADQCAGIARPDQEgACAGQQJ0av1dAwD9X/3tASEH/Qz+gitlRxX3P/6CK2VHFfc/IAf98gH9DAAAAAAAAOC/AAAAAAAA4L/9DAAAAAAAAOA/AAAAAAAA4D8gB/0MAAAAAAAAAAAAAAAAAAAAAP1J/VL98AH9/AEhCSAJ/f4BIQggByAI/QwAAOD+Qi7mPwAA4P5CLuY//fIB/fEBIQogCP0Mdjx5Ne856j12PHk17znqPf3yASELIAogC/3xASEMIAwgDP3yASEN/Qzxa9LFQb27vvFr0sVBvbu+IA39DNCkvnJpN2Y+0KS+cmk3Zj798gH98AEhDv0MLN4lr2pWET8s3iWvalYRPyANIA798gH98AEhDv0Mk72+FmzBZr+Tvb4WbMFmvyANIA798gH98AEhDv0MPlVVVVVVxT8+VVVVVVXFPyANIA798gH98AEhDiAMIA0gDv3yAf3xASEO/QwAAAAAAADwPwAAAAAAAPA/IAsgDCAO/fIB/QwAAAAAAAAAQAAAAAAAAABAIA798QH98wH98QEgCv3xAf3xASAJ/ccB/Qz/AwAAAAAAAP8DAAAAAAAA/c4BQTT9ywH98gEhD/0MAAAAAAAA8H8AAAAAAADwfyAPIAf9DAAAAAAA4IVAAAAAAADghUD9TP1SIQ/9DAAAAAAAAAAAAAAAAAAAAAAgDyAH/QwAAAAAAOCFwAAAAAAA4IXA/Uv9UiEP/QwAAAAAAADwPwAAAAAAAPA//QwAAAAAAADwPwAAAAAAAPA/IA/98AH98wEhECABIAZBAnRq/V0DAP1fIREgBf0U/QwAAAAAAADwPwAAAAAAAPA/IBH9DAAAAAAAAOA/AAAAAAAA4D/9Sv1SIRIgECAR/fEBIBL98gEhEyAQ/QwAAAAAAADwPwAAAAAAAPA/IBD98QH98gH9DLyJ2Jey0pw8vInYl7LSnDz99QEgEv3yASEUIAIgBkEDdGogE/1eIBT9Xv0NAAECAxAREhMEBQYHFBUWF/0LBAAgBkECaiEGDAALCws=';

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

let compiled: WebAssembly.Module | null = null;
let compiledShared: WebAssembly.Module | null = null;

type BuildFn = (bins: number, F: number, rows: number, begin: number, end: number, gh: number, hist: number) => number;
type BuildSubsetFn = (bins: number, F: number, rows: number, begin: number, end: number, gh: number, hist: number, features: number, nf: number) => number;

const PAGE = 65536;
/** f64 slots per feature inside WASM memory (see histogram.wat: 4224 bytes against 4K aliasing). */
export const WASM_STRIDE = 528;

/** The compiled kernel module (compiled once; a WebAssembly.Module can be posted to other threads). */
export function histogramWasmModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(decodeBase64(HISTOGRAM_WASM_BASE64) as Uint8Array<ArrayBuffer>);
  return compiled;
}

/** The embedded binaries (a test checks they are histogram.wat compiled, both forms). */
export function embeddedHistogramWasm(): { own: Uint8Array; shared: Uint8Array } {
  return { own: decodeBase64(HISTOGRAM_WASM_BASE64), shared: decodeBase64(HISTOGRAM_SHARED_WASM_BASE64) };
}

/** The kernel over an imported shared memory (instantiate with `{ env: { memory } }`). */
export function sharedHistogramWasmModule(): WebAssembly.Module {
  compiledShared ??= new WebAssembly.Module(decodeBase64(HISTOGRAM_SHARED_WASM_BASE64) as Uint8Array<ArrayBuffer>);
  return compiledShared;
}

/**
 * A WASM histogram kernel for one training run. The bin matrix is copied into WASM memory once
 * (per bins array), the gradient pairs once per tree (a new `rows` array marks a new tree, as the
 * trainer gives every tree a fresh one), the node's rows on every call.
 */
export function createWasmHistogramKernel(): HistogramKernel {
  const instance = new WebAssembly.Instance(histogramWasmModule(), {});
  const memory = instance.exports.memory as WebAssembly.Memory;
  const build = instance.exports.build as BuildFn;
  const buildSubset = instance.exports.buildSubset as BuildSubsetFn;
  let bins: Uint8Array | null = null;
  let rowsSeen: Uint32Array | null = null;
  let layout = { bins: 0, rows: 0, gh: 0, hist: 0, features: 0, rowCapacity: 0, F: 0 };

  const ensureLayout = (request: HistogramRequest): void => {
    const F = request.nFeatures;
    const nRows = F > 0 ? request.bins.length / F : 0;
    if (bins === request.bins && layout.F === F) return;
    const align16 = (x: number): number => Math.ceil(x / 16) * 16;
    const binsAt = 0;
    const rowsAt = align16(binsAt + request.bins.length);
    const ghAt = align16(rowsAt + nRows * 4);
    const histAt = align16(ghAt + nRows * 8);
    const featuresAt = histAt + F * WASM_STRIDE * 8;
    const end = featuresAt + F * 4;
    const pages = Math.ceil(end / PAGE) - memory.buffer.byteLength / PAGE;
    if (pages > 0) memory.grow(pages);
    new Uint8Array(memory.buffer, binsAt, request.bins.length).set(request.bins);
    bins = request.bins;
    rowsSeen = null;
    layout = { bins: binsAt, rows: rowsAt, gh: ghAt, hist: histAt, features: featuresAt, rowCapacity: nRows, F };
  };

  const kernel: HistogramKernel = {
    backend: 'cpu',
    async buildBlocks(request, blocks, outs) {
      for (let i = 0; i < blocks.length; i++) {
        const [begin, end] = blocks[i] as readonly [number, number];
        await kernel.build({ ...request, begin, end }, outs[i] as Float64Array);
      }
    },
    build(request, out) {
      ensureLayout(request);
      const count = request.end - request.begin;
      if (rowsSeen !== request.rows) {
        new Float32Array(memory.buffer, layout.gh, layout.rowCapacity * 2).set(request.gh.subarray(0, layout.rowCapacity * 2));
        rowsSeen = request.rows;
      }
      new Uint32Array(memory.buffer, layout.rows, count).set(request.rows.subarray(request.begin, request.end));
      const hist = new Float64Array(memory.buffer, layout.hist, layout.F * WASM_STRIDE);
      hist.fill(0);
      const nf = request.features.length;
      if (nf === layout.F) build(layout.bins, layout.F, layout.rows, 0, count, layout.gh, layout.hist);
      else {
        // A feature subset (colsample_bytree): the features not listed stay 0.
        new Int32Array(memory.buffer, layout.features, nf).set(request.features);
        buildSubset(layout.bins, layout.F, layout.rows, 0, count, layout.gh, layout.hist, layout.features, nf);
      }
      for (let f = 0; f < layout.F; f++) out.set(hist.subarray(f * WASM_STRIDE, f * WASM_STRIDE + HIST_STRIDE), f * HIST_STRIDE);
    },
  };
  return kernel;
}
