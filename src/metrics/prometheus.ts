// Exposition through prom-client (an optional peer dependency: this file only type-imports it;
// you pass your own Registry). Each family becomes a metric of the registry that reads the
// sources when the registry is scraped — nothing is recorded on the hot path.
import type { Registry } from 'prom-client';
import type { MetricFamily } from './metric-families.js';
import type { MetricSources } from './metric-sources.js';

/** Registers every plexspaces metric in `registry`; returns the function that removes them. */
export function exposeToPrometheus(sources: MetricSources, registry: Registry): () => void {
  const names: string[] = [];
  for (const family of sources.read()) {
    const name = family.name;
    names.push(name);
    const pick = () => sources.read().find((f) => f.name === name)!;
    registry.registerMetric({
      name,
      help: family.help,
      type: family.type,
      aggregator: 'sum',
      get: async () => toPromValues(pick()),
    } as unknown as Parameters<Registry['registerMetric']>[0]);
  }
  return () => {
    for (const name of names) registry.removeSingleMetric(name);
  };
}

function toPromValues(family: MetricFamily) {
  return {
    name: family.name,
    help: family.help,
    type: family.type,
    aggregator: 'sum',
    values: family.samples.map((s) => ({
      value: s.value,
      labels: s.quantile === undefined ? s.labels : { ...s.labels, quantile: s.quantile },
      metricName: s.suffix === undefined ? family.name : family.name + s.suffix,
    })),
  };
}
