// The status surface of a channel: its connection state and two events, 'status' and 'error'
// (ChannelEvents in channel.ts). Small on purpose: no EventEmitter (an 'error' event nobody
// listens to must not throw, and a listener that throws must not break the channel).
import type { ChannelEvents, ConnectionState } from '../channel.js';

type Listener = ChannelEvents[keyof ChannelEvents];

export class ChannelEventHub {
  private current: ConnectionState;
  private readonly listeners: { [E in keyof ChannelEvents]: Set<ChannelEvents[E]> } = { status: new Set(), error: new Set() };
  /** Background failures reported (stats().errors). */
  errors = 0;

  constructor(initial: ConnectionState) {
    this.current = initial;
  }

  get status(): ConnectionState {
    return this.current;
  }

  on<E extends keyof ChannelEvents>(event: E, listener: ChannelEvents[E]): () => void {
    const set = this.listeners[event] as Set<Listener> | undefined;
    if (set === undefined) throw new TypeError(`unknown channel event ${JSON.stringify(event)}; use 'status' or 'error'`);
    if (typeof listener !== 'function') throw new TypeError(`a '${event}' listener must be a function`);
    set.add(listener);
    return () => void set.delete(listener);
  }

  /** Moves to `state` (a repeat of the current state is no event). `closed` is final. */
  setStatus(state: ConnectionState, error?: Error): void {
    if (this.current === state || this.current === 'closed') return;
    this.current = state;
    for (const listener of [...this.listeners.status]) callSafely(() => listener(state, error));
  }

  /** A failure in the background: counted, and handed to the 'error' listeners. */
  reportError(error: Error): void {
    this.errors++;
    for (const listener of [...this.listeners.error]) callSafely(() => listener(error));
  }
}

function callSafely(call: () => void): void {
  try {
    call();
  } catch (err) {
    // A listener's own failure is its bug, not the channel's: say so without breaking anything.
    process.emitWarning(`a plexspaces-channel event listener threw: ${String(err)}`);
  }
}
