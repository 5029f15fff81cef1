// What the conformance suite needs from a backend.
//
// A backend joins the suite by writing one small factory file (see memory.test.ts) that fills in
// BackendUnderTest. Cases read `capabilities` (never the backend's name) to decide what applies;
// a case that does not apply is registered as a counted skip with its reason, never left out.
//
// The helpers the cases share live in files of their own and are re-exported here, so a case
// file imports from one place.
import type { Capabilities, Channel, ChannelOptions } from '../../src/channel.js';

/** Options of a backend's own (not in ChannelOptions), e.g. the in-memory ring's size. */
export type BackendOptions = Readonly<Record<string, unknown>>;

/** Control of the broker a backend talks to, for the cases that take it down. */
export interface BrokerControl {
  /** Graceful stop and start; resolves once the broker answers again. */
  restart(): Promise<void>;
  /** SIGKILL, as a crash would; resolves once the broker no longer answers. */
  kill(): Promise<void>;
  /** Brings the broker back after kill(); resolves once it answers again. */
  start(): Promise<void>;
}

export interface BackendUnderTest {
  /** 'memory', later 'redis', 'kafka', 'nats', 'nats-jetstream'. */
  name: string;
  /** What the backend declares, read from a channel opened with default options. */
  capabilities: Capabilities;
  /**
   * A NEW channel with a unique name on every call. `backendOptions` are the backend's own
   * (from `roomFor`); a backend that has none ignores them.
   */
  open(options?: Partial<ChannelOptions>, backendOptions?: BackendOptions): Promise<Channel>;
  /** Another handle (another consumer or producer) on the same channel. */
  openAnother(channel: Channel): Promise<Channel>;
  /** A handle on the channel with this name (e.g. a dead-letter channel). */
  openNamed(name: string, options?: Partial<ChannelOptions>): Promise<Channel>;
  /**
   * Deletes what the broker keeps under `name` — a stream, topic, subject's stream, consumer or
   * group — once a case has closed its handles. Called, pass or fail, for every channel name,
   * dead-letter name and group name the case used (`Handles` records them); a name the backend
   * holds nothing under is not an error. In-process backends leave it out.
   */
  cleanup?(name: string): Promise<void>;
  /** The broker, where the factory can take it down: the broker-outage and persistence cases. */
  broker?: BrokerControl;
  /**
   * What `close()` ends, as the contract's doc comment on close says: 'channel' — the channel
   * itself, for every handle (in-process backends: the shared ring closes); 'handle' — only this
   * handle's connections, the broker keeps what it accepted. Default: 'handle' when the backend
   * crosses processes, else 'channel'.
   */
  closeScope?: 'channel' | 'handle';
  /** The `openChannel` URL of a channel with this name, if the backend is reachable that way. */
  url?(name: string): string;
  /**
   * Multiplies every wait of the suite — receive timeouts, ack deadlines, "nothing more arrives"
   * windows, sleeps, case guards — for slow brokers. Default 1.
   */
  timeScale?: number;
  /**
   * The backend's own options a channel needs to carry one payload of `payloadBytes` (the
   * in-memory ring's size). Left out where the declared maxMessageBytes is all there is.
   */
  roomFor?(payloadBytes: number): BackendOptions;
}

export function closeScopeOf(backend: BackendUnderTest): 'channel' | 'handle' {
  return backend.closeScope ?? (backend.capabilities.crossesProcesses ? 'handle' : 'channel');
}

export * from './basics.js';
export * from './receiving.js';
export * from './accounting.js';
export * from './registrar.js';
