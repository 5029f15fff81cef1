// Shared by the pattern tests.
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const u16 = (n: number) => new Uint8Array([n & 0xff, n >> 8]);
export const readU16 = (b: Uint8Array) => b[0]! | (b[1]! << 8);

/** Resolves once `condition()` holds; fails after `ms` naming `what` (a deadline, not a measurement). */
export async function until(what: string, condition: () => boolean, ms = 10_000): Promise<void> {
  const end = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(2);
  }
}

/** A promise and the function that resolves it. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}
