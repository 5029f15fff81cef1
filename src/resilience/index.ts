// plexspaces-channel/resilience: circuit breaker, retry with backoff and jitter, timeout and
// bulkhead around sends, on any Channel (cockatiel underneath, an optional peer dependency). See README.md.
export { GuardedSender, guardSends, CircuitOpenError, isTransientSendError, type GuardOptions, type RetryOptions, type BreakerOptions, type BreakerState, type GuardEvents } from './guarded-sender.js';
