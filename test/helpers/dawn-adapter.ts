// Dawn's software adapter in Node (Mesa llvmpipe, OpenGL compatibility) for the WebGPU tests that
// compare the device with the CPU: the provider, and why such tests cannot run here.
import { nodeWebGpu } from '../../workers/node/webgpu-node';

export const gpu = nodeWebGpu();

/**
 * Why the adapter tests cannot run here ('' when they can); printed once under `label` when they
 * are skipped, so a CI log shows the skip and its reason.
 */
export async function dawnSkipReason(label: string): Promise<string> {
  const reason = await gpu.requestAdapter({ featureLevel: 'compatibility' }).then(
    (adapter) => (adapter ? '' : 'Dawn found no OpenGL compatibility adapter here'),
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  if (reason) console.log(`[${label}] skipped: ${reason}`);
  return reason;
}
