// The pool's `workerData` option, as the task module sees it (piscina users know it as
// `require('piscina').workerData`): import { workerData } from 'plexspaces-channel/pool'.
// undefined outside a pool worker.
import { workerData as nodeWorkerData } from 'node:worker_threads';

const setup = nodeWorkerData as { poolUserData?: unknown; userData?: unknown } | null | undefined;

export const workerData: unknown = setup !== null && typeof setup === 'object' && 'userData' in setup && 'frameBytes' in setup ? setup.userData : undefined;
