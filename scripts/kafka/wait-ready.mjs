// Waits until the Kafka broker answers a metadata request, for scripts/services.
//
// Why a metadata request and not just an open port: the broker accepts TCP connections a moment
// before it can serve clients, and a client that arrives in that moment gets errors. DescribeCluster
// (a Metadata request underneath) only succeeds once the broker serves requests.
//
// Usage: node scripts/kafka/wait-ready.mjs <host:port> <timeout-ms>
// Exit 0 when it answered; 1 on timeout (with the last error on stderr); 2 when kafkajs is not
// installed (the caller then falls back to watching the broker's log).
const [brokers = '127.0.0.1:9092', timeoutArg = '60000'] = process.argv.slice(2);
const deadline = Date.now() + Number(timeoutArg);

let kafkajs;
try {
  kafkajs = await import('kafkajs');
} catch {
  process.exit(2);
}
const { Kafka, logLevel } = kafkajs.default ?? kafkajs;
const kafka = new Kafka({
  clientId: 'plexspaces-services-ready',
  brokers: brokers.split(','),
  logLevel: logLevel.NOTHING,
  connectionTimeout: 2000,
  requestTimeout: 5000,
  retry: { retries: 0 },
});

let lastError = 'no attempt made';
while (Date.now() < deadline) {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length > 0) {
      await admin.disconnect();
      process.exit(0);
    }
    lastError = 'metadata lists no broker yet';
  } catch (error) {
    lastError = error instanceof Error ? error.message : String(error);
  }
  await admin.disconnect().catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 500));
}
console.error(`kafka did not answer a metadata request at ${brokers}: ${lastError}`);
process.exit(1);
