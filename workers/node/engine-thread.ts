import { parentPort } from 'node:worker_threads';
import type { FromEngine, ToEngine, Transport } from '../protocol/messages';
import { serveEngine } from '../data/serve';
import { nodeHelperThreads } from './histogram-threads';
import { NodeDuckDriver } from './driver-node';
import { loadParquetNode } from './engine-node';

// worker_threads entry: the engine behind the job protocol on the parent port.
const port = parentPort;
if (!port) throw new Error('engine-thread.ts must run as a worker thread');

const transport: Transport<ToEngine, FromEngine> = {
  send(message, transfer = []) {
    port.postMessage(message, transfer as ArrayBuffer[]);
  },
  onMessage(listener) {
    const handler = (message: ToEngine): void => listener(message);
    port.on('message', handler);
    return () => port.off('message', handler);
  },
};

const driver = await NodeDuckDriver.create();
serveEngine(transport, driver, loadParquetNode, { helperThreads: nodeHelperThreads() });
