// A pool worker of the demo (`plexspaces-channel demo`): attaches to the jobs and results channels
// it is handed, takes jobs with the blocking calls a worker may use, and acknowledges each job only
// after its result is sent — so a worker that dies mid-job leaves the job to be redelivered.
import { workerData } from 'node:worker_threads';
import { InMemoryChannel, type InMemoryChannelDescriptor } from '../src/backends/memory/index.js';
import { isChannelError } from '../src/errors.js';
import { countPrimes, decodeJob, encodeResult } from '../src/cli/prime-jobs.js';

const { jobs: jobsDescriptor, results: resultsDescriptor } = workerData as {
  jobs: InMemoryChannelDescriptor;
  results: InMemoryChannelDescriptor;
};
const jobs = InMemoryChannel.attach(jobsDescriptor);
const results = InMemoryChannel.attach(resultsDescriptor);

for (;;) {
  let delivery;
  try {
    delivery = jobs.receiveDeliverySync();
  } catch (err) {
    if (isChannelError(err, 'ChannelClosed')) break; // all jobs handed out and the producer closed
    throw err;
  }
  const job = decodeJob(delivery.data);
  results.sendSync(encodeResult(job.index, countPrimes(job.from, job.to)));
  await delivery.ack();
}
