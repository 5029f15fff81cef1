// Entry of every native-queue test worker. Plain JavaScript because a worker thread does not
// inherit tsx's loader from its parent under Node 20: register tsx here, then load the
// TypeScript worker script named in workerData.script (a file URL) and let it run.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.script);
