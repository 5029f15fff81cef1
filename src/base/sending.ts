// The waiting paths of a send, for every backend: every target of the route under the
// backpressure mode (backpressure.ts), a batch's rest (pipelined where the backend can), the
// blocking variant for worker threads — and the counting: `sent` once a message is in every place
// it must reach, `failed` for a send that gave up. The fast path (putNow / putManyNow) is the
// template's own (base-channel.ts): it costs nothing here.
import type { SendOptions } from '../channel.js';
import type { SettlementState } from '../delivery.js';
import type { ChannelMetrics } from '../metrics/channel-metrics.js';
import type { ResolvedOptions } from '../options.js';
import { offerToAll, offerToAllSync, type BackpressurePolicy, type SendTarget } from './backpressure.js';
import type { Outgoing } from './outgoing.js';
import type { Route, Transport } from './transport.js';

export type WaitOptions = Pick<SendOptions, 'timeoutMs' | 'signal'> | undefined;

export class Sending<R, S, T extends SendTarget, D extends SettlementState> {
  private readonly backpressure: BackpressurePolicy;

  constructor(
    private readonly transport: Transport<R, S, T, D>,
    private readonly options: ResolvedOptions,
    private readonly metrics: ChannelMetrics,
  ) {
    this.backpressure = { mode: options.backpressure, capacity: options.capacity, channel: options.name, metrics };
  }

  /** Every target of the route under the backpressure mode; resolves to the groups reached. */
  async putWaiting(message: Outgoing, route: Route, wait: WaitOptions): Promise<number> {
    let targets: readonly T[];
    try {
      targets = await this.transport.targets(route, message);
    } catch (err) {
      this.metrics.count('failed');
      throw err;
    }
    return this.offerTo(message, targets, wait);
  }

  async offerTo(message: Outgoing, targets: readonly T[], wait: WaitOptions): Promise<number> {
    const timeoutMs = wait?.timeoutMs ?? this.options.sendTimeoutMs;
    try {
      const groups = await offerToAll(this.transport, message, targets, this.backpressure, performance.now() + timeoutMs, timeoutMs, wait?.signal);
      this.metrics.sent();
      return groups;
    } catch (err) {
      this.metrics.count('failed');
      throw err;
    }
  }

  /** The rest of a batch from `from`: pipelined (sendMany) where the backend can, one by one where it must. */
  async putRest(batch: readonly Outgoing[], from: number, wait: WaitOptions): Promise<string[]> {
    const many = this.transport.sendMany;
    const untilMs = performance.now() + (wait?.timeoutMs ?? this.options.sendTimeoutMs);
    for (let i = from; i < batch.length; ) {
      if (many !== undefined) {
        let sent: number;
        try {
          sent = await many.call(this.transport, i === 0 ? batch : batch.slice(i), wait?.signal, untilMs);
        } catch (err) {
          this.metrics.count('failed');
          throw err;
        }
        this.metrics.sent(sent);
        i += sent;
        if (i >= batch.length) break;
      }
      // One at a time under the backpressure mode: the one a target refused, or every one.
      await this.putWaiting(batch[i]!, 'send', wait);
      i++;
    }
    return idsOf(batch);
  }

  /** A send that blocks the calling worker thread while a target is full (backends with blocking calls). */
  putBlocking(message: Outgoing, timeoutMs: number): void {
    try {
      if (!this.transport.putNow(message)) {
        const targets = this.transport.targets('send', message);
        if (targets instanceof Promise) throw new TypeError('internal: a blocking send reached a backend whose targets are asynchronous');
        offerToAllSync(this.transport, message, targets, this.backpressure, performance.now() + timeoutMs, timeoutMs);
      }
    } catch (err) {
      this.metrics.count('failed');
      throw err;
    }
    this.metrics.sent();
  }
}

export function idsOf(batch: readonly Outgoing[]): string[] {
  const ids = new Array<string>(batch.length);
  for (let i = 0; i < batch.length; i++) ids[i] = batch[i]!.id;
  return ids;
}
