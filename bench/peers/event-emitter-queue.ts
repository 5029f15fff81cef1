// The peer for "send + receive through promises on one thread": the async queue people write
// in a few lines on top of EventEmitter. Written to be fair, not a straw man: O(1) dequeue, no
// listener added per call, and one copy of the payload on send (a byte channel must not alias the
// sender's buffer; our rings copy too).
import { EventEmitter } from 'node:events';

export class EventEmitterQueue {
  private readonly events = new EventEmitter();
  private readonly buffered: Uint8Array[] = [];
  private head = 0;
  private readonly receivers: ((message: Uint8Array) => void)[] = [];
  private receiverHead = 0;

  constructor() {
    this.events.on('message', (message: Uint8Array) => {
      if (this.receiverHead < this.receivers.length) {
        const receiver = this.receivers[this.receiverHead]!;
        this.receivers[this.receiverHead++] = undefined as never;
        if (this.receiverHead === this.receivers.length) this.receivers.length = this.receiverHead = 0;
        receiver(message);
      } else this.buffered.push(message);
    });
  }

  send(message: Uint8Array): Promise<void> {
    this.events.emit('message', message.slice());
    return Promise.resolve();
  }

  receive(): Promise<Uint8Array> {
    if (this.head < this.buffered.length) {
      const message = this.buffered[this.head]!;
      this.buffered[this.head++] = undefined as never;
      if (this.head === this.buffered.length) this.buffered.length = this.head = 0;
      return Promise.resolve(message);
    }
    return new Promise((resolve) => this.receivers.push(resolve));
  }
}
