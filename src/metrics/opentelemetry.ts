// Exposition through the OpenTelemetry metrics API (@opentelemetry/api, an optional peer
// dependency: this file only type-imports it; you pass your Meter). Every family becomes an
// observable instrument, all observed in one batch callback when the SDK collects — nothing is
// recorded on the hot path. Counters are observable counters; gauges observable gauges; a
// latency summary an observable gauge with a `quantile` attribute plus a `.count` counter.
import type { Meter, Observable } from '@opentelemetry/api';
import type { MetricSources } from './metric-sources.js';

/** Creates the instruments on `meter`; returns the function that stops observing them. */
export function exposeToOpenTelemetry(sources: MetricSources, meter: Meter): () => void {
  const instruments = new Map<string, { value: Observable; count?: Observable }>();
  for (const family of sources.read()) {
    const options = { description: family.help, unit: family.unit };
    if (family.type === 'counter') instruments.set(family.name, { value: meter.createObservableCounter(family.otelName, options) });
    else if (family.type === 'gauge') instruments.set(family.name, { value: meter.createObservableGauge(family.otelName, options) });
    else {
      instruments.set(family.name, {
        value: meter.createObservableGauge(family.otelName, options),
        count: meter.createObservableCounter(`${family.otelName}.count`, { description: `${family.help} (samples)`, unit: '1' }),
      });
    }
  }
  const all = [...instruments.values()].flatMap((i) => (i.count ? [i.value, i.count] : [i.value]));
  const callback = (result: { observe(o: Observable, value: number, attributes?: Record<string, string>): void }) => {
    for (const family of sources.read()) {
      const instrument = instruments.get(family.name);
      if (instrument === undefined) continue;
      for (const s of family.samples) {
        if (s.suffix === '_count') result.observe(instrument.count!, s.value, s.labels);
        else result.observe(instrument.value, s.value, s.quantile === undefined ? s.labels : { ...s.labels, quantile: s.quantile });
      }
    }
  };
  meter.addBatchObservableCallback(callback, all);
  return () => meter.removeBatchObservableCallback(callback, all);
}
