// A consume -> process -> produce processor in a process of its own, for the SIGKILL case of
// test/kafka/exactly-once-kill.test.ts: it reads jobs from INPUT and, for each, sends
// "result of <job>" to OUTPUT and acks the job in one transaction. It prints one line per step
// ("work-done <job>" when the work returned and the commit begins, "committed <job>" once the
// transaction resolved) so the test can kill it inside the commit.
import { KafkaChannel } from '../../../src/backends/kafka/index.js';

const [brokers = '127.0.0.1:9092', inputTopic = '', outputTopic = ''] = process.argv.slice(2);
const options = { delivery: 'exactly-once' as const, sessionTimeoutMs: 6000, heartbeatIntervalMs: 300 };
const input = await KafkaChannel.connect(brokers.split(','), inputTopic, options);
const output = await KafkaChannel.connect(brokers.split(','), outputTopic, options);
process.stdout.write('ready\n');
for (;;) {
  const job = await input.receiveDelivery();
  const name = new TextDecoder().decode(job.data);
  try {
    await input.transaction(async (tx) => {
      await tx.send(output, new TextEncoder().encode(`result of ${name}`), { correlationId: job.id });
      await tx.ack(job);
      process.stdout.write(`work-done ${name}\n`);
    });
  } catch (err) {
    // The transaction was aborted and the job comes back (nack): a processor carries on.
    process.stdout.write(`aborted ${name}: ${String((err as Error)?.message ?? err)}\n`);
    continue;
  }
  process.stdout.write(`committed ${name}\n`);
}
