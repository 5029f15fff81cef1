// The channels and pools whose metrics are exported: add them once, hand the set to
// exposeToPrometheus() and/or exposeToOpenTelemetry(). Nothing is read until a scraper asks.
import { InvalidConfigurationError } from '../errors.js';
import { readFamilies, type ChannelSource, type MetricFamily, type PoolSource } from './metric-families.js';

export class MetricSources {
  private readonly channels = new Set<{ source: ChannelSource; labels: Record<string, string> }>();
  private readonly pools = new Set<{ source: PoolSource; labels: Record<string, string> }>();
  /** One reading shared by every metric of one scrape (a scrape asks for each metric in one go). */
  private cached: MetricFamily[] | undefined;

  /** Labels: extra label pairs (e.g. { backend: 'redis' }); `channel` is the channel's name. Returns the remover. */
  addChannel(channel: ChannelSource, labels: Record<string, string> = {}): () => void {
    if (channel === null || typeof channel !== 'object' || typeof channel.stats !== 'function') throw new InvalidConfigurationError('addChannel takes a Channel (anything with name and stats())');
    const entry = { source: channel, labels: checkLabels(labels) };
    this.channels.add(entry);
    return () => void this.channels.delete(entry);
  }

  /** Labels: e.g. { pool: 'resize' } to tell pools apart. Returns the remover. */
  addPool(pool: PoolSource, labels: Record<string, string> = {}): () => void {
    if (pool === null || typeof pool !== 'object' || typeof pool.stats !== 'function') throw new InvalidConfigurationError('addPool takes a Pool (anything with stats())');
    const entry = { source: pool, labels: checkLabels(labels) };
    this.pools.add(entry);
    return () => void this.pools.delete(entry);
  }

  /** Every family, read now, or the reading already taken in this turn of the event loop. */
  read(): MetricFamily[] {
    if (this.cached === undefined) {
      this.cached = readFamilies([...this.channels], [...this.pools]);
      setImmediate(() => (this.cached = undefined));
    }
    return this.cached;
  }
}

function checkLabels(labels: Record<string, string>): Record<string, string> {
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k) || typeof v !== 'string') {
      throw new InvalidConfigurationError(`metric label ${JSON.stringify(k)}=${JSON.stringify(v)} is not usable; names are letters, digits and _ (not first a digit), values strings`);
    }
  }
  return { ...labels };
}
