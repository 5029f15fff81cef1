// `capacity` on Kafka: the messages waiting for the receivers' queue are the receivers' group
// lag — the topic's end offsets less the group's committed offsets (its first offsets where it
// has none). Two round trips per send while a capacity is set; none without one. The check is
// not a reservation: senders racing each other may overshoot by their number, and published
// messages count until a receiver skips past them.
import type { BrokerClient } from './client-seam.js';

export class ReceiversLag {
  constructor(
    private readonly client: BrokerClient,
    private readonly topic: string,
    private readonly groupId: string,
  ) {}

  async waiting(): Promise<number> {
    const [ends, committed] = await Promise.all([this.client.offsets(this.topic), this.client.committed(this.groupId, this.topic)]);
    let lag = 0;
    for (const [partition, [low, end]] of ends) lag += Math.max(0, end - Math.max(low, committed.get(partition) ?? low));
    return lag;
  }
}
