// Registering cases: each case gets its own Handles (the channels it opened, the names it used),
// a hang guard scaled for the backend, and a teardown that closes every channel and then asks the
// backend to delete what the case made — pass or fail, each step under its own timeout.
import type { Test } from 'uvu';
import type { Channel, ChannelOptions } from '../../src/channel.js';
import type { BackendOptions, BackendUnderTest } from './backend.js';
import { uniqueName, withTimeout } from './basics.js';

/** Thrown by `h.notApplicable(reason)`: the case found at run time that it does not apply. */
class NotApplicable extends Error {}

/** The channels a case opened and the names it used; all are closed and cleaned up when it ends. */
export class Handles {
  private readonly opened: Channel[] = [];
  private readonly names = new Set<string>();

  constructor(readonly backend: BackendUnderTest) {}

  /** A wait scaled for the backend: ack deadlines, quiet windows, receive timeouts, sleeps. */
  ms(base: number): number {
    return Math.round(base * (this.backend.timeScale ?? 1));
  }

  /** Records a name the case used (a group, a dead-letter channel), for the backend's cleanup. */
  remember(name: string): string {
    this.names.add(name);
    return name;
  }

  /** A fresh consumer-group name, remembered for cleanup (Kafka keeps groups apart from topics). */
  group(prefix = 'group'): string {
    return this.remember(uniqueName(prefix));
  }

  track<C extends Channel>(channel: C): C {
    this.opened.push(channel);
    this.remember(channel.name);
    const dlq = channel.options.deadLetter;
    if (typeof dlq === 'string' && dlq.length > 0) this.remember(dlq);
    return channel;
  }

  async open(options?: Partial<ChannelOptions>, backendOptions?: BackendOptions): Promise<Channel> {
    // Remembered before opening: a broker may create the dead-letter stream even if the open fails.
    if (typeof options?.deadLetter === 'string') this.remember(options.deadLetter);
    return this.track(await this.backend.open(options, backendOptions));
  }

  async another(channel: Channel): Promise<Channel> {
    return this.track(await this.backend.openAnother(channel));
  }

  async named(name: string, options?: Partial<ChannelOptions>): Promise<Channel> {
    this.remember(name);
    if (typeof options?.deadLetter === 'string') this.remember(options.deadLetter);
    return this.track(await this.backend.openNamed(name, options));
  }

  /** Ends the case as "does not apply", for a fact only an opened channel can tell (printed with the skips). */
  notApplicable(reason: string): never {
    throw new NotApplicable(reason);
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.opened.map((c) => c.close().catch(() => {})));
  }

  /** backend.cleanup(name) for every name the case used, side by side, each under its own timeout. */
  async cleanup(): Promise<void> {
    const cleanup = this.backend.cleanup?.bind(this.backend);
    if (!cleanup) return;
    const results = await Promise.allSettled(
      [...this.names].map((name) => withTimeout(cleanup(name), this.ms(10_000), `[${this.backend.name}] cleanup("${name}")`)),
    );
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => String(r.reason));
    if (failures.length > 0) throw new Error(`cleanup failed for ${failures.length} name(s): ${failures.join('; ')}`);
  }
}

export interface CaseOptions {
  /** A reason this case does not apply to the backend under test; registers a counted skip. */
  skip?: string | false | undefined;
  /** Hang guard for the whole case, in ms (scaled by timeScale). Default 10 000. */
  timeoutMs?: number;
}

export type CaseBody = (handles: Handles) => Promise<void>;
export type Register = (name: string, body: CaseBody, options?: CaseOptions) => void;

const skipped = new WeakMap<Test, string[]>();

/** Why the cases registered on `test` were skipped, printed at the end so a skip is never silent. */
export function skipReasonsOf(test: Test): string[] {
  let reasons = skipped.get(test);
  if (!reasons) skipped.set(test, (reasons = []));
  return reasons;
}

/** Returns `it(name, body, options)` that registers a guarded case on `test` for `backend`. */
export function caseRegistrar(test: Test, backend: BackendUnderTest): Register {
  return (name, body, options = {}) => {
    if (options.skip) {
      skipReasonsOf(test).push(`${name} — ${options.skip}`);
      test.skip(`${name} (skipped: ${options.skip})`, async () => {});
      return;
    }
    const limit = Math.round((options.timeoutMs ?? 10_000) * (backend.timeScale ?? 1));
    test(name, async () => {
      const handles = new Handles(backend);
      let failure: { error: unknown } | undefined;
      try {
        await withTimeout(body(handles), limit, `[${backend.name}] ${name}`);
      } catch (error) {
        if (error instanceof NotApplicable) skipReasonsOf(test).push(`${name} — ${error.message} (found at run time; uvu counts it as passed)`);
        else failure = { error };
      }
      // Teardown runs pass or fail. A teardown problem fails a case that passed, but never
      // replaces the reason a case failed.
      let teardown: { error: unknown } | undefined;
      try {
        await withTimeout(handles.closeAll(), handles.ms(10_000), `[${backend.name}] closing the channels of "${name}"`);
      } catch (error) {
        teardown = { error };
      }
      try {
        await withTimeout(handles.cleanup(), handles.ms(30_000), `[${backend.name}] cleaning up after "${name}"`);
      } catch (error) {
        teardown ??= { error };
      }
      if (failure) throw failure.error;
      if (teardown) throw teardown.error;
    });
  };
}
