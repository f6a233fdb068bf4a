import { serveEngine } from '../../workers/engine';
import { NodeDuckDriver } from '../../workers/node/driver-node';
import { loadParquetNode } from '../../workers/node/engine-node';
import { nodeHelperThreads } from '../../workers/node/histogram-threads';
import { parentPortTransport } from '../../workers/node/thread-transport';
import { registerSleepJob } from './sleep-job';

// A worker-thread entry for tests: the production engine, as workers/node/engine-thread.ts starts it, plus `engine.sleep`.
const driver = await NodeDuckDriver.create();
const host = serveEngine(parentPortTransport(), driver, loadParquetNode, { helperThreads: nodeHelperThreads() });
registerSleepJob(host);
