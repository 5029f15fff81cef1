// Publishing through broker outages, for the persistence cases: many publishers send while the
// broker is restarted or killed, retrying what was refused, and the run reports what was accepted
// and — so a case can require it — how many sends actually ran into an outage. A stress case that
// never hit its dangerous window proves nothing; this one counts the hits.
import type { Channel } from '../../src/channel.js';
import { isChannelError } from '../../src/errors.js';
import type { BrokerControl } from './backend.js';
import { bytes, sleep } from './basics.js';
import type { Handles } from './registrar.js';

export type OutageKind = 'restart' | 'kill';

export interface OutageRun {
  /** Every payload, in the order the publishers made them; each was accepted at least once. */
  readonly accepted: string[];
  /** Payload -> send attempts made for it (a retried send may have been accepted twice). */
  readonly attempts: ReadonlyMap<string, number>;
  /** Attempts that failed (BackendError or Timeout) and were retried. */
  readonly failedAttempts: number;
  /** Attempts begun during an outage that failed, or waited until the broker was back. */
  readonly hitOutage: number;
}

/** A send attempt longer than this (scaled) waited on the broker rather than being served. */
const WAITED_MS = 250;
/** How many attempts one message gets before the run gives up on the backend's recovery. */
const MAX_ATTEMPTS = 100;

/**
 * Each publisher (one handle each) sends `perPublisher` messages `pub<p>-<m>`. The run is cut
 * into `outages + 1` stretches; before each outage every publisher stops at a checkpoint, so the
 * outage begins with all of them still to send. A 'kill' outage is broker.kill(), a pause, then
 * broker.start(); the publishers resume once the broker is dead. A 'restart' outage is
 * broker.restart(); they resume as it begins. During an outage they pace their sends, so the
 * outage lasts longer than the stretch and the sends run into it.
 */
export async function publishThroughOutages(
  h: Handles,
  publishers: readonly Channel[],
  perPublisher: number,
  broker: BrokerControl,
  kind: OutageKind,
  outages: number,
): Promise<OutageRun> {
  const attempts = new Map<string, number>();
  const accepted: string[] = [];
  let failedAttempts = 0;
  let hitOutage = 0;
  /** The outage in progress: when it began, and (once over) when it ended. */
  let window: { from: number; to: number } | undefined;
  /** Set when a publisher failed: no further outage is started. */
  let failed = false;

  const checkpoints = Array.from({ length: outages }, (_, k) => Math.floor((perPublisher * (k + 1)) / (outages + 1)));
  const gates = checkpoints.map(() => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { opened, open, arrived: 0, allArrived: undefined as (() => void) | undefined };
  });
  const everyoneAt = gates.map((gate) => new Promise<void>((resolve) => (gate.allArrived = resolve)));

  const sendOne = async (via: Channel, body: string): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      attempts.set(body, attempt);
      const began = performance.now();
      const during = window && window.to === Infinity ? window : undefined;
      try {
        await via.send(bytes(body), { timeoutMs: h.ms(10_000) });
        const took = performance.now() - began;
        if (during && (took >= h.ms(WAITED_MS) || during.to !== Infinity)) hitOutage += 1;
        accepted.push(body);
        return;
      } catch (err) {
        // Refused while the broker is away: not accepted (or not known to be), so retry it.
        if (!isChannelError(err, 'BackendError') && !isChannelError(err, 'Timeout')) throw err;
        failedAttempts += 1;
        if (during) hitOutage += 1;
        if (attempt >= MAX_ATTEMPTS) throw new Error(`${body}: ${attempt} send attempts failed; the backend never recovered (last: ${String(err)})`, { cause: err });
        await sleep(h.ms(100));
      }
    }
  };

  const publishing = Promise.all(
    publishers.map(async (via, p) => {
      let next = 0;
      for (let m = 0; m < perPublisher; m++) {
        if (next < gates.length && m === checkpoints[next]) {
          const gate = gates[next]!;
          gate.arrived += 1;
          if (gate.arrived === publishers.length) gate.allArrived!();
          await gate.opened;
          next += 1;
        }
        await sendOne(via, `pub${p}-${m}`);
        if (window?.to === Infinity) await sleep(h.ms(20)); // pace through the outage
      }
    }),
  );

  const outagesDone = (async () => {
    for (const [k, gate] of gates.entries()) {
      await everyoneAt[k];
      if (failed) return;
      window = { from: performance.now(), to: Infinity };
      if (kind === 'kill') {
        await broker.kill();
        gate.open();
        try {
          await sleep(h.ms(500));
        } finally {
          await broker.start();
        }
      } else {
        gate.open();
        await broker.restart();
      }
      window.to = performance.now();
    }
  })();

  // A publisher that fails must not leave the outages waiting for it at a checkpoint (and the
  // reverse): whichever fails first fails the run, and the broker is always brought back.
  await Promise.all([
    publishing.catch((err: unknown) => {
      failed = true;
      for (const gate of gates) {
        gate.allArrived!(); // the outages stop waiting for the publishers...
        gate.open(); // ...and the publishers still at a checkpoint run out instead of hanging
      }
      throw err;
    }),
    outagesDone.catch((err: unknown) => {
      for (const gate of gates) gate.open();
      throw err;
    }),
  ]);
  return { accepted, attempts, failedAttempts, hitOutage };
}
