// What ack, nack and deadLetter do, for every backend: the retry rule, the dead-letter policy, the
// counters, the deliveries in flight and the outcomes of settled ones. The transport only says
// how to ack, requeue or release one delivery on its ring or broker.
import type { Message, Settlement } from '../channel.js';
import { repeatOfSettled, type ResolvedNack, type SettlePort, type SettlementState } from '../delivery.js';
import { BackendError, MessageNotFoundError } from '../errors.js';
import type { ChannelMetrics } from '../metrics/channel-metrics.js';
import type { ResolvedOptions } from '../options.js';
import type { SendTarget } from './backpressure.js';
import { mayRedeliver, type DeadLetterSender } from './dead-letter.js';
import { SettledOutcomes } from './settled-outcomes.js';
import type { Transport } from './transport.js';

/** Settled ids remembered for ack(id)/nack(id) repeats. */
const RECENT_OUTCOMES = 4096;

export class SettlementPolicy<R, S, T extends SendTarget, D extends SettlementState> implements SettlePort<D> {
  /** This handle's deliveries nobody has settled yet, by id (at-least-once only). */
  readonly inFlight = new Map<string, D>();
  private readonly recent = new SettledOutcomes(RECENT_OUTCOMES);
  /** At-least-once (or exactly-once): deliveries are tracked until settled. */
  readonly tracked: boolean;

  constructor(
    private readonly transport: Transport<R, S, T, D>,
    private readonly options: ResolvedOptions,
    private readonly metrics: ChannelMetrics,
    private readonly deadLetters: DeadLetterSender,
    private readonly reportError: (error: Error) => void,
  ) {
    this.tracked = options.delivery !== 'at-most-once';
  }

  /** A delivery just handed out (at-least-once): it is in flight until settled. */
  track(delivery: D): void {
    this.inFlight.set(delivery.id, delivery);
  }

  async ack(d: D): Promise<void> {
    // At-most-once: the message was forgotten (and counted acked) when it was handed out.
    if (!this.tracked) return;
    if (!(await this.transport.ack(d))) throw this.late(d, 'ack');
    this.settled(d, 'acked');
  }

  async nack(d: D, o: ResolvedNack): Promise<void> {
    const { maxRetries } = this.options;
    if (!o.requeue) return this.giveUp(d, 'rejected: nack without requeue', o.error, 'nacked');
    if (!mayRedeliver(d.deliveryCount, maxRetries)) {
      return this.giveUp(d, `failed ${d.deliveryCount} deliveries (maxRetries ${maxRetries})`, o.error, 'nacked');
    }
    if (!(await this.transport.requeue(d, d.deliveryCount + 1, o.delayMs))) throw this.late(d, 'nack');
    this.settled(d, 'nacked');
  }

  deadLetter(d: D, reason: string, error: unknown): Promise<void> {
    return this.giveUp(d, reason, error, 'dead-lettered');
  }

  /**
   * A message taken for redelivery after its receiver missed the ack deadline, with its retries
   * used up (`deliveryCount` is what its next delivery would have carried). Runs in the
   * background: the copy is written, then the message is settled; if the copy is refused, the
   * message stays held and comes due again (nothing is lost), and the failure is reported.
   */
  deadLetterOverdue(raw: R, source: S, deliveryCount: number): void {
    const message = this.transport.messageOf(raw, source);
    const made = deliveryCount - 1;
    const cause = {
      reason: `not acknowledged within ackTimeoutMs (${this.options.ackTimeoutMs} ms) after ${made} deliveries (maxRetries ${this.options.maxRetries})`,
      group: this.transport.groupOf(source),
      error: undefined,
    };
    this.deadLetters
      .send({ ...message, deliveryCount: made }, cause)
      .then(async (written) => {
        await this.transport.discard(raw, source);
        this.metrics.count(written ? 'deadLettered' : 'failed');
      })
      .catch((err: unknown) => {
        this.reportError(
          new BackendError(`could not dead-letter message ${message.id} after its missed ack deadline: ${String((err as Error)?.message ?? err)}; it stays held and is tried again after the deadline`, {
            channel: this.options.name,
            cause: err,
          }),
        );
      });
  }

  /** ack(id) / nack(id): the delivery in flight, or the settle-once rules for a settled one. */
  byId(id: string, action: 'ack' | 'nack', outcome: Settlement): D | Promise<void> {
    const delivery = this.inFlight.get(id);
    if (delivery !== undefined) return delivery;
    const was = this.recent.get(id);
    if (was !== undefined) return repeatOfSettled(id, this.options.name, was, outcome);
    return Promise.reject(
      new MessageNotFoundError(
        `cannot ${action} message ${JSON.stringify(id)}: this handle has no unsettled delivery with that id (already settled, redelivered elsewhere, or never received here)`,
        { channel: this.options.name },
      ),
    );
  }

  /**
   * Gives a message up: a copy to the dead-letter channel (with the shared headers), then the
   * original settled for good; without a dead-letter channel, dropped and counted as failed. A
   * refused copy leaves the delivery unsettled (the caller may try again): nothing is lost.
   */
  private async giveUp(d: D, reason: string, error: unknown, outcome: Settlement): Promise<void> {
    const verb = outcome === 'dead-lettered' ? 'dead-letter' : 'nack';
    if (this.tracked && !this.transport.stillHeld(d)) throw this.late(d, verb);
    const group = this.transport.groupOf(this.transport.sourceOf(d));
    const written = await this.deadLetters.send(d as Message, { reason, group, error });
    // Taken elsewhere after the copy was written: the copy stands (at-least-once may repeat).
    await this.transport.release(d);
    this.metrics.count(written ? 'deadLettered' : 'failed');
    this.settled(d, outcome);
  }

  private settled(d: D, outcome: Settlement): void {
    if (outcome === 'acked') this.metrics.count('acked');
    else if (outcome === 'nacked') this.metrics.count('nacked');
    if (!this.tracked) return;
    // A redelivery of the same id to this handle may have replaced it: remove only this delivery.
    if (this.inFlight.get(d.id) === d) this.inFlight.delete(d.id);
    this.recent.remember(d.id, outcome);
  }

  private late(d: D, action: string): MessageNotFoundError {
    if (this.inFlight.get(d.id) === d) this.inFlight.delete(d.id);
    return new MessageNotFoundError(
      `cannot ${action} message ${d.id}: its ack deadline (ackTimeoutMs ${this.options.ackTimeoutMs} ms) passed and it was handed to another receiver; settle sooner or raise ackTimeoutMs`,
      { channel: this.options.name },
    );
  }
}
