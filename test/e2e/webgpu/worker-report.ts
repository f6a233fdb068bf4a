/**
 * The worker side of the WebGPU conformance tests (bundled into each module worker): the report
 * shape every worker posts, the skip reasons, and the message handler. Worker-only: no Node imports.
 */

/** What a conformance worker posts back: skipped (no WebGPU here), failed, or its results. */
export type WebGpuWorkerReport<Results> =
  | { status: 'skip'; reason: string }
  | { status: 'error'; message: string }
  | ({ status: 'ok'; adapter: string } & Results);

export const NO_NAVIGATOR_GPU = 'navigator.gpu is absent in the worker (WebGPU disabled in this Chromium)';
export const NO_ADAPTER = 'navigator.gpu.requestAdapter() returned null (no WebGPU adapter, not even SwiftShader)';

interface WorkerScope {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<unknown>) => void) | null;
  navigator: { gpu?: unknown };
}
const scope = self as unknown as WorkerScope;

/** The worker's navigator.gpu, or undefined where WebGPU is disabled. */
export function workerGpu(): unknown {
  return scope.navigator.gpu;
}

/**
 * Answers each message from the test with `run`'s report; a thrown error becomes an 'error' report
 * (with the stack, so a failure in the browser is readable in the Node test output).
 */
export function answerWith<Message, Results>(run: (message: Message) => Promise<WebGpuWorkerReport<Results>>): void {
  scope.onmessage = (event) => {
    run(event.data as Message).then(
      (report) => scope.postMessage(report),
      (error: unknown) =>
        scope.postMessage({
          status: 'error',
          message: error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error),
        } satisfies WebGpuWorkerReport<Results>),
    );
  };
}
