// Entry of the tests' worker threads. Plain JavaScript on purpose: under Node 20 a worker thread
// does not inherit tsx's loader from its parent (`new Worker('x.ts')` fails with
// ERR_UNKNOWN_FILE_EXTENSION), so this registers tsx first, then loads the TypeScript script named
// in workerData.script (a file URL) and lets it run.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.script);
