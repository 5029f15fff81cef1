// Entry of every bench worker thread. Plain JavaScript on purpose: under Node 20 a worker does
// not inherit tsx's loader from its parent (`new Worker('x.ts')` fails with
// ERR_UNKNOWN_FILE_EXTENSION), so this file registers tsx in the worker first and then imports
// the TypeScript case module and runs the named role function with its arguments.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
const { moduleUrl, roleName, args } = workerData;
const module = await import(moduleUrl);
const role = module[roleName];
if (typeof role !== 'function') {
  throw new TypeError(`bench worker: ${moduleUrl} exports no function named ${roleName}`);
}
await role(args);
