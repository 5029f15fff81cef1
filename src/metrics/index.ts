// plexspaces-channel/metrics: the same metric names for every backend's channels and every
// pool, exposed through prom-client and/or the OpenTelemetry metrics API (both optional peer
// dependencies, type-imported only: importing this module loads neither). See README.md.
export { MetricSources } from './metric-sources.js';
export { exposeToPrometheus } from './prometheus.js';
export { exposeToOpenTelemetry } from './opentelemetry.js';
export { CHANNEL_METRICS, POOL_METRICS, type MetricFamily, type Sample, type MetricType, type ChannelSource, type PoolSource } from './metric-families.js';
export { LatencyHistogram } from './latency-histogram.js';
