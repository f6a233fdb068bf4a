import { workerData } from 'node:worker_threads';
import { serveEngine } from '../engine';
import { nodeHelperThreads } from './histogram-threads';
import { openNodeDriver, type NodeDriverKind } from './driver-choice';
import { loadParquetNode } from './parquet-node';
import { parentPortTransport } from './thread-transport';
import { nodeWebGpu } from './webgpu-node';

// worker_threads entry: the engine behind the job protocol on the parent port.
const transport = parentPortTransport();
const kind: NodeDriverKind = (workerData as { driver?: NodeDriverKind } | null)?.driver ?? 'wasm';
const driver = await openNodeDriver(kind);
serveEngine(transport, driver, loadParquetNode, { helperThreads: nodeHelperThreads(), gpu: nodeWebGpu() });
