// Entry of the memory tests' worker threads. Plain JavaScript: under Node 20 a worker does not
// inherit tsx's loader from its parent, so this registers tsx first, then loads the .ts script.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.script);
