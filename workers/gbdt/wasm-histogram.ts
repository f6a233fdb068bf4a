import { HIST_STRIDE, type HistogramKernel, type HistogramRequest } from './histogram';

/**
 * The CPU histogram kernel in WebAssembly: the loop of histogram.ts's JS kernel, compiled from
 * histogram.wat (wabt 1.0.39: `wat2wasm histogram.wat`, WASM SIMD), embedded here so no file needs
 * serving. It gives bit-identical sums to the JS loop (same f64 adds, same order), several times faster.
 */
const HISTOGRAM_WASM_BASE64 =
  'AGFzbQEAAAABaAlgB39/f39/f38Bf2AJf39/f39/f39/AX9gCn9/f39/f39/f38Bf2AKf39/f39/fX9/fwBgA39/fwBgCH9/f39/f39/AX9gBn9/f39/fwF/YAl/f39/f39/f38AYAl/f39/f398fH8AAwwLAAECAQMEBAUGBwgFAwEAAQeaAQwGbWVtb3J5AgAFYnVpbGQAAA1idWlsZEZlYXR1cmVzAAENYnVpbGRHYXRoZXJlZAACC2J1aWxkU3Vic2V0AAMOZ3JhZGllbnRzVGFibGUABAdhZGRCaW5zAAUMc3VidHJhY3RCaW5zAAYJcGFydGl0aW9uAAcJY291bnRMZWZ0AAgJbW92ZVNpZGVzAAkJYWRkTGVhdmVzAAoKtBcLFgAgACABIAIgAyAEIAUgBkEAIAEQAQuSAwMLfwF7AX8gCCAHayEVIBVBfHEhECACIANBAnRqIQkgAiAEQQJ0aiEMAkADQCAJIAxPDQEgCSgCACENIAlBwABqIQogCiAJIAogDEkbKAIAIQogCyAAIAogAWxqLQAAIAUgCkEDdGotAABqcyELIAUgDUEDdGr9XQMA/V8hFCAAIAdqIA0gAWxqIQ5BACEPIAYgB0GAIWxqIRECQANAIA8gEE8NASAOIA9qKAIAIRIgESASQQR0QfAfcWohEyATIBP9AAQAIBT98AH9CwQAIBEgEkEEdkHwH3FqIRMgEyAT/QAEgCEgFP3wAf0LBIAhIBEgEkEMdkHwH3FqIRMgEyAT/QAEgEIgFP3wAf0LBIBCIBEgEkEUdkHwH3FqIRMgEyAT/QAEgGMgFP3wAf0LBIBjIA9BBGohDyARQYCEAWohEQwACwsCQANAIA8gFU8NASARIA4gD2otAABBBHRqIRMgEyAT/QAEACAU/fAB/QsEACAPQQFqIQ8gEUGAIWohEQwACwsgCUEEaiEJDAALCyALC9wEAhJ/AXsgBCADTQRAQQAPCyAEIANrQQFrQQNsIAIgBEEBa0ECdGooAgAgAiADQQJ0aigCAGtPBEAgACABIAIgAyAEIAUgBiAHIAgQAQ8LIAggB2shCiAKQXxxIQsgCkEPakFwcSEMIAkgDEEGdGohDSACIANBAnRqIQ4gAiAEQQJ0aiEPAkADQCAOIA9PDQEgDkGAAmogDyAOQYACaiAPSRshECAOIREgCSESIA0hEwJAA0AgESAQTw0BIBEoAgAhFiAAIAdqIBYgAWxqIRRBACEVA0AgEiAVaiAUIBVq/QAEAP0LBAAgFUEQaiEVIBUgDEkNAAsgEyAFIBZBA3RqKQMANwMAIBIgDGohEiATQQhqIRMgEUEEaiERDAALCyAJIRcgDSETIA4hEQJAA0AgESAQTw0BIBP9XQMA/V8hHEEAIRggBiAHQYAhbGohGQJAA0AgGCALTw0BIBcgGGooAgAhGiAZIBpBBHRB8B9xaiEbIBsgG/0ABAAgHP3wAf0LBAAgGSAaQQR2QfAfcWohGyAbIBv9AASAISAc/fAB/QsEgCEgGSAaQQx2QfAfcWohGyAbIBv9AASAQiAc/fAB/QsEgEIgGSAaQRR2QfAfcWohGyAbIBv9AASAYyAc/fAB/QsEgGMgGEEEaiEYIBlBgIQBaiEZDAALCwJAA0AgGCAKTw0BIBkgFyAYai0AAEEEdGohGyAbIBv9AAQAIBz98AH9CwQAIBhBAWohGCAZQYAhaiEZDAALCyAXIAxqIRcgE0EIaiETIBFBBGohEQwACwsgECEODAALC0EAC9cBAwd/AXsCfyACIANBAnRqIQkgAiAEQQJ0aiEKAkADQCAJIApPDQEgCSgCACELIAlBwABqIREgESAJIBEgCkkbKAIAIREgEiAAIBEgAWxqLQAAIAUgEUEDdGotAABqcyESIAUgC0EDdGr9XQMA/V8hECAAIAsgAWxqIQxBACENAkADQCANIAhPDQEgByANQQJ0aigCACEOIAYgDkGAIWxqIAwgDmotAABBBHRqIQ8gDyAP/QAEACAQ/fAB/QsEACANQQFqIQ0MAAsLIAlBBGohCQwACwsgEgvlCAcBfwJ9BX8EfQJ8AX0LeyAEIQoCQANAIApBBGogBUsNASAAIApBAnRq/QAEACEZIBn9DADgf0EA4H9BAOB/QQDgf0EgGf0MAOB/QQDgf0EA4H9BAOB/Qf1F/VL9DAAAgMEAAIDBAACAwQAAgMEgGf0MAACAwQAAgMEAAIDBAACAwf1G/VIhGSAZ/QwAAIBBAACAQQAAgEEAAIBB/eQB/QwAAABDAAAAQwAAAEMAAABD/eYBIRogGv35ASEbIBogG/37Af3lAf0MAACARwAAgEcAAIBHAACAR/3mAf35ASEcIAIgG/0bAEECdGohDyAPIB39VgIAACEdIA8gHv1WAgQAIR4gAiAb/RsBQQJ0aiEPIA8gHf1WAgABIR0gDyAe/VYCBAEhHiACIBv9GwJBAnRqIQ8gDyAd/VYCAAIhHSAPIB79VgIEAiEeIAIgG/0bA0ECdGohDyAPIB39VgIAAyEdIA8gHv1WAgQDIR4gHSAeIB39sQEgHP21AUEQ/a0B/a4B/fsB/QwAAIAzAACAMwAAgDMAAIAz/eYBIR8gASAKQQJ0av0ABAAhICAG/RP9DAAAgD8AAIA/AACAPwAAgD8gIP0MAAAAPwAAAD8AAAA/AAAAP/1E/VIhISAfICD95QEgIf3mASEiIB/9DAAAgD8AAIA/AACAPwAAgD8gH/3lAf3mASEjICP9DAAAgE8AAIBPAACATwAAgE/95gH9aP0MAACALwAAgC8AAIAvAACAL/3mASEjICP9DJWV5iSVleYklZXmJJWV5iT96QEgIf3mASEjIAMgCkEDdGohDyAPICIgI/0NAAECAxAREhMEBQYHFBUWF/0LBAAgDyAiICP9DQgJCgsYGRobDA0ODxwdHh/9CwQQIAcEQCAIIApBAnRqIAr9Ef0MAAAAAAEAAAACAAAAAwAAAP2uAf0LBAAgFiAi/R8Au6AhFiAXICP9HwC7oCEXIBYgIv0fAbugIRYgFyAj/R8Bu6AhFyAWICL9HwK7oCEWIBcgI/0fArugIRcgFiAi/R8Du6AhFiAXICP9HwO7oCEXCyAKQQRqIQoMAAsLAkADQCAKIAVPDQEgACAKQQJ0aioCACELIAtDAOB/QSALQwDgf0FfG0MAAIDBIAtDAACAwWAbIQsgC0MAAIBBkkMAAABDlCEMIAypIQ0gDCANs5NDAACAR5SpIQ4gAiANQQJ0aiEPIA8oAgAhECAQIA8oAgQgEGsgDmxBEHZqIREgEbNDAACAM5QhEiABIApBAnRqKgIAIRMgEiATkyEUIBJDAACAPyASk5QhFSAVQwAAgE+UjkMAAIAvlCEVIBVDlZXmJJchFSAGQwAAgD8gE0MAAAA/XhshGCAUIBiUIRQgFSAYlCEVIAMgCkEDdGogFDgCACADIApBA3RqIBU4AgQgBwRAIAggCkECdGogCjYCACAWIBS7oCEWIBcgFbugIRcLIApBAWohCgwACwsgBwRAIAkgFjkDACAJIBc5AwgLCz0BAX8gACACaiEDAkADQCAAIANPDQEgACAA/QAEACAB/QAEAP3wAf0LBAAgAEEQaiEAIAFBEGohAQwACwsLPQEBfyAAIAJqIQMCQANAIAAgA08NASAAIAD9AAQAIAH9AAQA/fEB/QsEACAAQRBqIQAgAUEQaiEBDAALCwupAQEHfyABIANBAnRqIQggASAEQQJ0aiEJIAIgA0ECdGohCiAHIANBAnRqIQsCQANAIAggCU8NASAIKAIAIQwgACAMai0AACENIAYgDSAFTSANQf8BRhshDiAKIAw2AgAgCyAMNgIAIAogDkECdGohCiALIA5BAXNBAnRqIQsgCEEEaiEIDAALCyAKIAcgA0ECdGogCyAHIANBAnRqa/wKAAAgCiACa0ECdgtQAQR/IAEgAkECdGohBiABIANBAnRqIQcCQANAIAYgB08NASAAIAYoAgBqLQAAIQggCSAFIAggBE0gCEH/AUYbaiEJIAZBBGohBgwACwsgCQuGAQEHfyABIANBAnRqIQkgASAEQQJ0aiEKIAIgB0ECdGohCyACIAhBAnRqIQwCQANAIAkgCk8NASAJKAIAIQ0gACANai0AACEOIAYgDiAFTSAOQf8BRhshDyALIAwgDxsgDTYCACALIA9BAnRqIQsgDCAPQQFzQQJ0aiEMIAlBBGohCQwACwsLaQEFfyABIAJBAnRqIQkgASADQQJ0aiEKAkADQCAJIApPDQEgCSgCACELIAAgC2otAAAhDCAIIAtBAnRqIQ0gDSANKgIAuyAGIAcgBSAMIARNIAxB/wFGGxugtjgCACAJQQRqIQkMAAsLCw==';

/**
 * The same kernel importing a shared memory (`env.memory`), for the threads of
 * parallel-histogram.ts, which keep the bins, rows, gradient pairs and block histograms in one
 * WebAssembly.Memory so no thread copies them: histogram.wat with its memory line replaced by
 * `(import "env" "memory" (memory 1 65536 shared))`, compiled with `wat2wasm --enable-threads`.
 */
const HISTOGRAM_SHARED_WASM_BASE64 =
  'AGFzbQEAAAABaAlgB39/f39/f38Bf2AJf39/f39/f39/AX9gCn9/f39/f39/f38Bf2AKf39/f39/fX9/fwBgA39/fwBgCH9/f39/f39/AX9gBn9/f39/fwF/YAl/f39/f39/f38AYAl/f39/f398fH8AAhIBA2VudgZtZW1vcnkCAwGAgAQDDAsAAQIBAwQEBQYHCAeRAQsFYnVpbGQAAA1idWlsZEZlYXR1cmVzAAENYnVpbGRHYXRoZXJlZAACC2J1aWxkU3Vic2V0AAMOZ3JhZGllbnRzVGFibGUABAdhZGRCaW5zAAUMc3VidHJhY3RCaW5zAAYJcGFydGl0aW9uAAcJY291bnRMZWZ0AAgJbW92ZVNpZGVzAAkJYWRkTGVhdmVzAAoKtBcLFgAgACABIAIgAyAEIAUgBkEAIAEQAQuSAwMLfwF7AX8gCCAHayEVIBVBfHEhECACIANBAnRqIQkgAiAEQQJ0aiEMAkADQCAJIAxPDQEgCSgCACENIAlBwABqIQogCiAJIAogDEkbKAIAIQogCyAAIAogAWxqLQAAIAUgCkEDdGotAABqcyELIAUgDUEDdGr9XQMA/V8hFCAAIAdqIA0gAWxqIQ5BACEPIAYgB0GAIWxqIRECQANAIA8gEE8NASAOIA9qKAIAIRIgESASQQR0QfAfcWohEyATIBP9AAQAIBT98AH9CwQAIBEgEkEEdkHwH3FqIRMgEyAT/QAEgCEgFP3wAf0LBIAhIBEgEkEMdkHwH3FqIRMgEyAT/QAEgEIgFP3wAf0LBIBCIBEgEkEUdkHwH3FqIRMgEyAT/QAEgGMgFP3wAf0LBIBjIA9BBGohDyARQYCEAWohEQwACwsCQANAIA8gFU8NASARIA4gD2otAABBBHRqIRMgEyAT/QAEACAU/fAB/QsEACAPQQFqIQ8gEUGAIWohEQwACwsgCUEEaiEJDAALCyALC9wEAhJ/AXsgBCADTQRAQQAPCyAEIANrQQFrQQNsIAIgBEEBa0ECdGooAgAgAiADQQJ0aigCAGtPBEAgACABIAIgAyAEIAUgBiAHIAgQAQ8LIAggB2shCiAKQXxxIQsgCkEPakFwcSEMIAkgDEEGdGohDSACIANBAnRqIQ4gAiAEQQJ0aiEPAkADQCAOIA9PDQEgDkGAAmogDyAOQYACaiAPSRshECAOIREgCSESIA0hEwJAA0AgESAQTw0BIBEoAgAhFiAAIAdqIBYgAWxqIRRBACEVA0AgEiAVaiAUIBVq/QAEAP0LBAAgFUEQaiEVIBUgDEkNAAsgEyAFIBZBA3RqKQMANwMAIBIgDGohEiATQQhqIRMgEUEEaiERDAALCyAJIRcgDSETIA4hEQJAA0AgESAQTw0BIBP9XQMA/V8hHEEAIRggBiAHQYAhbGohGQJAA0AgGCALTw0BIBcgGGooAgAhGiAZIBpBBHRB8B9xaiEbIBsgG/0ABAAgHP3wAf0LBAAgGSAaQQR2QfAfcWohGyAbIBv9AASAISAc/fAB/QsEgCEgGSAaQQx2QfAfcWohGyAbIBv9AASAQiAc/fAB/QsEgEIgGSAaQRR2QfAfcWohGyAbIBv9AASAYyAc/fAB/QsEgGMgGEEEaiEYIBlBgIQBaiEZDAALCwJAA0AgGCAKTw0BIBkgFyAYai0AAEEEdGohGyAbIBv9AAQAIBz98AH9CwQAIBhBAWohGCAZQYAhaiEZDAALCyAXIAxqIRcgE0EIaiETIBFBBGohEQwACwsgECEODAALC0EAC9cBAwd/AXsCfyACIANBAnRqIQkgAiAEQQJ0aiEKAkADQCAJIApPDQEgCSgCACELIAlBwABqIREgESAJIBEgCkkbKAIAIREgEiAAIBEgAWxqLQAAIAUgEUEDdGotAABqcyESIAUgC0EDdGr9XQMA/V8hECAAIAsgAWxqIQxBACENAkADQCANIAhPDQEgByANQQJ0aigCACEOIAYgDkGAIWxqIAwgDmotAABBBHRqIQ8gDyAP/QAEACAQ/fAB/QsEACANQQFqIQ0MAAsLIAlBBGohCQwACwsgEgvlCAcBfwJ9BX8EfQJ8AX0LeyAEIQoCQANAIApBBGogBUsNASAAIApBAnRq/QAEACEZIBn9DADgf0EA4H9BAOB/QQDgf0EgGf0MAOB/QQDgf0EA4H9BAOB/Qf1F/VL9DAAAgMEAAIDBAACAwQAAgMEgGf0MAACAwQAAgMEAAIDBAACAwf1G/VIhGSAZ/QwAAIBBAACAQQAAgEEAAIBB/eQB/QwAAABDAAAAQwAAAEMAAABD/eYBIRogGv35ASEbIBogG/37Af3lAf0MAACARwAAgEcAAIBHAACAR/3mAf35ASEcIAIgG/0bAEECdGohDyAPIB39VgIAACEdIA8gHv1WAgQAIR4gAiAb/RsBQQJ0aiEPIA8gHf1WAgABIR0gDyAe/VYCBAEhHiACIBv9GwJBAnRqIQ8gDyAd/VYCAAIhHSAPIB79VgIEAiEeIAIgG/0bA0ECdGohDyAPIB39VgIAAyEdIA8gHv1WAgQDIR4gHSAeIB39sQEgHP21AUEQ/a0B/a4B/fsB/QwAAIAzAACAMwAAgDMAAIAz/eYBIR8gASAKQQJ0av0ABAAhICAG/RP9DAAAgD8AAIA/AACAPwAAgD8gIP0MAAAAPwAAAD8AAAA/AAAAP/1E/VIhISAfICD95QEgIf3mASEiIB/9DAAAgD8AAIA/AACAPwAAgD8gH/3lAf3mASEjICP9DAAAgE8AAIBPAACATwAAgE/95gH9aP0MAACALwAAgC8AAIAvAACAL/3mASEjICP9DJWV5iSVleYklZXmJJWV5iT96QEgIf3mASEjIAMgCkEDdGohDyAPICIgI/0NAAECAxAREhMEBQYHFBUWF/0LBAAgDyAiICP9DQgJCgsYGRobDA0ODxwdHh/9CwQQIAcEQCAIIApBAnRqIAr9Ef0MAAAAAAEAAAACAAAAAwAAAP2uAf0LBAAgFiAi/R8Au6AhFiAXICP9HwC7oCEXIBYgIv0fAbugIRYgFyAj/R8Bu6AhFyAWICL9HwK7oCEWIBcgI/0fArugIRcgFiAi/R8Du6AhFiAXICP9HwO7oCEXCyAKQQRqIQoMAAsLAkADQCAKIAVPDQEgACAKQQJ0aioCACELIAtDAOB/QSALQwDgf0FfG0MAAIDBIAtDAACAwWAbIQsgC0MAAIBBkkMAAABDlCEMIAypIQ0gDCANs5NDAACAR5SpIQ4gAiANQQJ0aiEPIA8oAgAhECAQIA8oAgQgEGsgDmxBEHZqIREgEbNDAACAM5QhEiABIApBAnRqKgIAIRMgEiATkyEUIBJDAACAPyASk5QhFSAVQwAAgE+UjkMAAIAvlCEVIBVDlZXmJJchFSAGQwAAgD8gE0MAAAA/XhshGCAUIBiUIRQgFSAYlCEVIAMgCkEDdGogFDgCACADIApBA3RqIBU4AgQgBwRAIAggCkECdGogCjYCACAWIBS7oCEWIBcgFbugIRcLIApBAWohCgwACwsgBwRAIAkgFjkDACAJIBc5AwgLCz0BAX8gACACaiEDAkADQCAAIANPDQEgACAA/QAEACAB/QAEAP3wAf0LBAAgAEEQaiEAIAFBEGohAQwACwsLPQEBfyAAIAJqIQMCQANAIAAgA08NASAAIAD9AAQAIAH9AAQA/fEB/QsEACAAQRBqIQAgAUEQaiEBDAALCwupAQEHfyABIANBAnRqIQggASAEQQJ0aiEJIAIgA0ECdGohCiAHIANBAnRqIQsCQANAIAggCU8NASAIKAIAIQwgACAMai0AACENIAYgDSAFTSANQf8BRhshDiAKIAw2AgAgCyAMNgIAIAogDkECdGohCiALIA5BAXNBAnRqIQsgCEEEaiEIDAALCyAKIAcgA0ECdGogCyAHIANBAnRqa/wKAAAgCiACa0ECdgtQAQR/IAEgAkECdGohBiABIANBAnRqIQcCQANAIAYgB08NASAAIAYoAgBqLQAAIQggCSAFIAggBE0gCEH/AUYbaiEJIAZBBGohBgwACwsgCQuGAQEHfyABIANBAnRqIQkgASAEQQJ0aiEKIAIgB0ECdGohCyACIAhBAnRqIQwCQANAIAkgCk8NASAJKAIAIQ0gACANai0AACEOIAYgDiAFTSAOQf8BRhshDyALIAwgDxsgDTYCACALIA9BAnRqIQsgDCAPQQFzQQJ0aiEMIAlBBGohCQwACwsLaQEFfyABIAJBAnRqIQkgASADQQJ0aiEKAkADQCAJIApPDQEgCSgCACELIAAgC2otAAAhDCAIIAtBAnRqIQ0gDSANKgIAuyAGIAcgBSAMIARNIAxB/wFGGxugtjgCACAJQQRqIQkMAAsLCw==';

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

let compiled: WebAssembly.Module | null = null;
let compiledShared: WebAssembly.Module | null = null;

type BuildFn = (bins: number, F: number, rows: number, begin: number, end: number, gh: number, hist: number, f0: number, f1: number, scratch: number) => number;
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
  const build = instance.exports.buildGathered as BuildFn;
  const buildSubset = instance.exports.buildSubset as BuildSubsetFn;
  let bins: Uint8Array | null = null;
  let rowsSeen: Uint32Array | null = null;
  let layout = { bins: 0, rows: 0, gh: 0, hist: 0, features: 0, scratch: 0, rowCapacity: 0, F: 0 };

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
    // buildGathered's scratch: 64 rows of bins (16-byte rounded) and gradient pairs.
    const scratchAt = align16(featuresAt + F * 4);
    const end = scratchAt + 64 * (Math.ceil(F / 16) * 16 + 8);
    const pages = Math.ceil(end / PAGE) - memory.buffer.byteLength / PAGE;
    if (pages > 0) memory.grow(pages);
    new Uint8Array(memory.buffer, binsAt, request.bins.length).set(request.bins);
    bins = request.bins;
    rowsSeen = null;
    layout = { bins: binsAt, rows: rowsAt, gh: ghAt, hist: histAt, features: featuresAt, scratch: scratchAt, rowCapacity: nRows, F };
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
      if (nf === layout.F) build(layout.bins, layout.F, layout.rows, 0, count, layout.gh, layout.hist, 0, layout.F, layout.scratch);
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
