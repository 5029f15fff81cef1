// Entry of a pool worker when the pool runs from its TypeScript sources (tests, bench, `tsx`):
// under Node 20 a worker thread does not inherit tsx's loader from its parent, so this registers
// tsx first and then imports the real worker script (workerData.entry). The built package
// starts dist/workers/pool-worker.js directly and never loads this file.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
