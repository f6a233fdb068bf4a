import { HIST_STRIDE, type HistogramKernel, type HistogramRequest } from './histogram';

/**
 * The CPU histogram kernel in WebAssembly: the loop of histogram.ts's JS kernel, compiled from
 * histogram.wat (wabt 1.0.39: `wat2wasm histogram.wat`, WASM SIMD), embedded here so no file needs
 * serving. It gives bit-identical sums to the JS loop (same f64 adds, same order), several times faster.
 */
const HISTOGRAM_WASM_BASE64 =
  'AGFzbQEAAAABUAdgB39/f39/f38Bf2AJf39/f39/f39/AX9gBn9/f39/fABgCH9/f39/f39/AX9gBn9/f39/fwF/YAl/f39/f39/f38AYAl/f39/f398fH8AAwkIAAEBAgMEBQYFAwEAAQd0CQZtZW1vcnkCAAVidWlsZAAADWJ1aWxkRmVhdHVyZXMAAQtidWlsZFN1YnNldAACEWdyYWRpZW50c0xvZ2lzdGljAAMJcGFydGl0aW9uAAQJY291bnRMZWZ0AAUJbW92ZVNpZGVzAAYJYWRkTGVhdmVzAAcKgw8IFgAgACABIAIgAyAEIAUgBkEAIAEQAQuSAwMLfwF7AX8gCCAHayEVIBVBfHEhECACIANBAnRqIQkgAiAEQQJ0aiEMAkADQCAJIAxPDQEgCSgCACENIAlBwABqIQogCiAJIAogDEkbKAIAIQogCyAAIAogAWxqLQAAIAUgCkEDdGotAABqcyELIAUgDUEDdGr9XQMA/V8hFCAAIAdqIA0gAWxqIQ5BACEPIAYgB0GAIWxqIRECQANAIA8gEE8NASAOIA9qKAIAIRIgESASQQR0QfAfcWohEyATIBP9AAQAIBT98AH9CwQAIBEgEkEEdkHwH3FqIRMgEyAT/QAEgCEgFP3wAf0LBIAhIBEgEkEMdkHwH3FqIRMgEyAT/QAEgEIgFP3wAf0LBIBCIBEgEkEUdkHwH3FqIRMgEyAT/QAEgGMgFP3wAf0LBIBjIA9BBGohDyARQYCEAWohEQwACwsCQANAIA8gFU8NASARIA4gD2otAABBBHRqIRMgEyAT/QAEACAU/fAB/QsEACAPQQFqIQ8gEUGAIWohEQwACwsgCUEEaiEJDAALCyALC9cBAwd/AXsCfyACIANBAnRqIQkgAiAEQQJ0aiEKAkADQCAJIApPDQEgCSgCACELIAlBwABqIREgESAJIBEgCkkbKAIAIREgEiAAIBEgAWxqLQAAIAUgEUEDdGotAABqcyESIAUgC0EDdGr9XQMA/V8hECAAIAsgAWxqIQxBACENAkADQCANIAhPDQEgByANQQJ0aigCACEOIAYgDkGAIWxqIAwgDmotAABBBHRqIQ8gDyAP/QAEACAQ/fAB/QsEACANQQFqIQ0MAAsLIAlBBGohCQwACwsgEguOBgIBfw57IAMhBgJAA0AgBiAETw0BIAAgBkECdGr9XQMA/V/97QEhB/0M/oIrZUcV9z/+gitlRxX3PyAH/fIB/QwAAAAAAADgvwAAAAAAAOC//QwAAAAAAADgPwAAAAAAAOA/IAf9DAAAAAAAAAAAAAAAAAAAAAD9Sf1S/fAB/fwBIQkgCf3+ASEIIAcgCP0MAADg/kIu5j8AAOD+Qi7mP/3yAf3xASEKIAj9DHY8eTXvOeo9djx5Ne856j398gEhCyAKIAv98QEhDCAMIAz98gEhDf0M8WvSxUG9u77xa9LFQb27viAN/QzQpL5yaTdmPtCkvnJpN2Y+/fIB/fABIQ79DCzeJa9qVhE/LN4lr2pWET8gDSAO/fIB/fABIQ79DJO9vhZswWa/k72+FmzBZr8gDSAO/fIB/fABIQ79DD5VVVVVVcU/PlVVVVVVxT8gDSAO/fIB/fABIQ4gDCANIA798gH98QEhDv0MAAAAAAAA8D8AAAAAAADwPyALIAwgDv3yAf0MAAAAAAAAAEAAAAAAAAAAQCAO/fEB/fMB/fEBIAr98QH98QEgCf3HAf0M/wMAAAAAAAD/AwAAAAAAAP3OAUE0/csB/fIBIQ/9DAAAAAAAAPB/AAAAAAAA8H8gDyAH/QwAAAAAAOCFQAAAAAAA4IVA/Uz9UiEP/QwAAAAAAAAAAAAAAAAAAAAAIA8gB/0MAAAAAADghcAAAAAAAOCFwP1L/VIhD/0MAAAAAAAA8D8AAAAAAADwP/0MAAAAAAAA8D8AAAAAAADwPyAP/fAB/fMBIRAgASAGQQJ0av1dAwD9XyERIAX9FP0MAAAAAAAA8D8AAAAAAADwPyAR/QwAAAAAAADgPwAAAAAAAOA//Ur9UiESIBAgEf3xASAS/fIBIRMgEP0MAAAAAAAA8D8AAAAAAADwPyAQ/fEB/fIB/Qy8idiXstKcPLyJ2Jey0pw8/fUBIBL98gEhFCACIAZBA3RqIBP9XiAU/V79DQABAgMQERITBAUGBxQVFhf9CwQAIAZBAmohBgwACwsLqQEBB38gASADQQJ0aiEIIAEgBEECdGohCSACIANBAnRqIQogByADQQJ0aiELAkADQCAIIAlPDQEgCCgCACEMIAAgDGotAAAhDSAGIA0gBU0gDUH/AUYbIQ4gCiAMNgIAIAsgDDYCACAKIA5BAnRqIQogCyAOQQFzQQJ0aiELIAhBBGohCAwACwsgCiAHIANBAnRqIAsgByADQQJ0amv8CgAAIAogAmtBAnYLUAEEfyABIAJBAnRqIQYgASADQQJ0aiEHAkADQCAGIAdPDQEgACAGKAIAai0AACEIIAkgBSAIIARNIAhB/wFGG2ohCSAGQQRqIQYMAAsLIAkLhgEBB38gASADQQJ0aiEJIAEgBEECdGohCiACIAdBAnRqIQsgAiAIQQJ0aiEMAkADQCAJIApPDQEgCSgCACENIAAgDWotAAAhDiAGIA4gBU0gDkH/AUYbIQ8gCyAMIA8bIA02AgAgCyAPQQJ0aiELIAwgD0EBc0ECdGohDCAJQQRqIQkMAAsLC2kBBX8gASACQQJ0aiEJIAEgA0ECdGohCgJAA0AgCSAKTw0BIAkoAgAhCyAAIAtqLQAAIQwgCCALQQJ0aiENIA0gDSoCALsgBiAHIAUgDCAETSAMQf8BRhsboLY4AgAgCUEEaiEJDAALCws=';

/**
 * The same kernel importing a shared memory (`env.memory`), for the threads of
 * parallel-histogram.ts, which keep the bins, rows, gradient pairs and block histograms in one
 * WebAssembly.Memory so no thread copies them: histogram.wat with its memory line replaced by
 * `(import "env" "memory" (memory 1 65536 shared))`, compiled with `wat2wasm --enable-threads`.
 */
const HISTOGRAM_SHARED_WASM_BASE64 =
  'AGFzbQEAAAABUAdgB39/f39/f38Bf2AJf39/f39/f39/AX9gBn9/f39/fABgCH9/f39/f39/AX9gBn9/f39/fwF/YAl/f39/f39/f38AYAl/f39/f398fH8AAhIBA2VudgZtZW1vcnkCAwGAgAQDCQgAAQECAwQFBgdrCAVidWlsZAAADWJ1aWxkRmVhdHVyZXMAAQtidWlsZFN1YnNldAACEWdyYWRpZW50c0xvZ2lzdGljAAMJcGFydGl0aW9uAAQJY291bnRMZWZ0AAUJbW92ZVNpZGVzAAYJYWRkTGVhdmVzAAcKgw8IFgAgACABIAIgAyAEIAUgBkEAIAEQAQuSAwMLfwF7AX8gCCAHayEVIBVBfHEhECACIANBAnRqIQkgAiAEQQJ0aiEMAkADQCAJIAxPDQEgCSgCACENIAlBwABqIQogCiAJIAogDEkbKAIAIQogCyAAIAogAWxqLQAAIAUgCkEDdGotAABqcyELIAUgDUEDdGr9XQMA/V8hFCAAIAdqIA0gAWxqIQ5BACEPIAYgB0GAIWxqIRECQANAIA8gEE8NASAOIA9qKAIAIRIgESASQQR0QfAfcWohEyATIBP9AAQAIBT98AH9CwQAIBEgEkEEdkHwH3FqIRMgEyAT/QAEgCEgFP3wAf0LBIAhIBEgEkEMdkHwH3FqIRMgEyAT/QAEgEIgFP3wAf0LBIBCIBEgEkEUdkHwH3FqIRMgEyAT/QAEgGMgFP3wAf0LBIBjIA9BBGohDyARQYCEAWohEQwACwsCQANAIA8gFU8NASARIA4gD2otAABBBHRqIRMgEyAT/QAEACAU/fAB/QsEACAPQQFqIQ8gEUGAIWohEQwACwsgCUEEaiEJDAALCyALC9cBAwd/AXsCfyACIANBAnRqIQkgAiAEQQJ0aiEKAkADQCAJIApPDQEgCSgCACELIAlBwABqIREgESAJIBEgCkkbKAIAIREgEiAAIBEgAWxqLQAAIAUgEUEDdGotAABqcyESIAUgC0EDdGr9XQMA/V8hECAAIAsgAWxqIQxBACENAkADQCANIAhPDQEgByANQQJ0aigCACEOIAYgDkGAIWxqIAwgDmotAABBBHRqIQ8gDyAP/QAEACAQ/fAB/QsEACANQQFqIQ0MAAsLIAlBBGohCQwACwsgEguOBgIBfw57IAMhBgJAA0AgBiAETw0BIAAgBkECdGr9XQMA/V/97QEhB/0M/oIrZUcV9z/+gitlRxX3PyAH/fIB/QwAAAAAAADgvwAAAAAAAOC//QwAAAAAAADgPwAAAAAAAOA/IAf9DAAAAAAAAAAAAAAAAAAAAAD9Sf1S/fAB/fwBIQkgCf3+ASEIIAcgCP0MAADg/kIu5j8AAOD+Qi7mP/3yAf3xASEKIAj9DHY8eTXvOeo9djx5Ne856j398gEhCyAKIAv98QEhDCAMIAz98gEhDf0M8WvSxUG9u77xa9LFQb27viAN/QzQpL5yaTdmPtCkvnJpN2Y+/fIB/fABIQ79DCzeJa9qVhE/LN4lr2pWET8gDSAO/fIB/fABIQ79DJO9vhZswWa/k72+FmzBZr8gDSAO/fIB/fABIQ79DD5VVVVVVcU/PlVVVVVVxT8gDSAO/fIB/fABIQ4gDCANIA798gH98QEhDv0MAAAAAAAA8D8AAAAAAADwPyALIAwgDv3yAf0MAAAAAAAAAEAAAAAAAAAAQCAO/fEB/fMB/fEBIAr98QH98QEgCf3HAf0M/wMAAAAAAAD/AwAAAAAAAP3OAUE0/csB/fIBIQ/9DAAAAAAAAPB/AAAAAAAA8H8gDyAH/QwAAAAAAOCFQAAAAAAA4IVA/Uz9UiEP/QwAAAAAAAAAAAAAAAAAAAAAIA8gB/0MAAAAAADghcAAAAAAAOCFwP1L/VIhD/0MAAAAAAAA8D8AAAAAAADwP/0MAAAAAAAA8D8AAAAAAADwPyAP/fAB/fMBIRAgASAGQQJ0av1dAwD9XyERIAX9FP0MAAAAAAAA8D8AAAAAAADwPyAR/QwAAAAAAADgPwAAAAAAAOA//Ur9UiESIBAgEf3xASAS/fIBIRMgEP0MAAAAAAAA8D8AAAAAAADwPyAQ/fEB/fIB/Qy8idiXstKcPLyJ2Jey0pw8/fUBIBL98gEhFCACIAZBA3RqIBP9XiAU/V79DQABAgMQERITBAUGBxQVFhf9CwQAIAZBAmohBgwACwsLqQEBB38gASADQQJ0aiEIIAEgBEECdGohCSACIANBAnRqIQogByADQQJ0aiELAkADQCAIIAlPDQEgCCgCACEMIAAgDGotAAAhDSAGIA0gBU0gDUH/AUYbIQ4gCiAMNgIAIAsgDDYCACAKIA5BAnRqIQogCyAOQQFzQQJ0aiELIAhBBGohCAwACwsgCiAHIANBAnRqIAsgByADQQJ0amv8CgAAIAogAmtBAnYLUAEEfyABIAJBAnRqIQYgASADQQJ0aiEHAkADQCAGIAdPDQEgACAGKAIAai0AACEIIAkgBSAIIARNIAhB/wFGG2ohCSAGQQRqIQYMAAsLIAkLhgEBB38gASADQQJ0aiEJIAEgBEECdGohCiACIAdBAnRqIQsgAiAIQQJ0aiEMAkADQCAJIApPDQEgCSgCACENIAAgDWotAAAhDiAGIA4gBU0gDkH/AUYbIQ8gCyAMIA8bIA02AgAgCyAPQQJ0aiELIAwgD0EBc0ECdGohDCAJQQRqIQkMAAsLC2kBBX8gASACQQJ0aiEJIAEgA0ECdGohCgJAA0AgCSAKTw0BIAkoAgAhCyAAIAtqLQAAIQwgCCALQQJ0aiENIA0gDSoCALsgBiAHIAUgDCAETSAMQf8BRhsboLY4AgAgCUEEaiEJDAALCws=';

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
