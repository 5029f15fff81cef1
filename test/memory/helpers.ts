// Small helpers shared by the memory backend's tests.
import type { ChannelError } from '../../src/errors.js';
export { within } from '../support/services.js';

export const bytes = (...values: number[]) => new Uint8Array(values);

/** The error code a promise rejects with (undefined when it resolves). */
export async function codeOf(work: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (err) {
    return (err as ChannelError).code ?? String(err);
  }
  return undefined;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
