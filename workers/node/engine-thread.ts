import { serveEngine } from '../engine';
import { nodeHelperThreads } from './histogram-threads';
import { NodeDuckDriver } from './driver-node';
import { loadParquetNode } from './engine-node';
import { parentPortTransport } from './thread-transport';

// worker_threads entry: the engine behind the job protocol on the parent port.
const transport = parentPortTransport();
const driver = await NodeDuckDriver.create();
serveEngine(transport, driver, loadParquetNode, { helperThreads: nodeHelperThreads() });
