import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import parsePrometheus, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { createStrata, StrataMetrics, type MetricsSource, type Strata } from '../src/index.js';

async function scrape(metrics: StrataMetrics): Promise<PrometheusFamily[]> {
  return parsePrometheus(await metrics.metrics());
}

function value(families: PrometheusFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const family = families.find((f) => f.name === name);
  const found = family?.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return found === undefined || found.length === 0 ? undefined : found.reduce((s, m) => s + Number(m.value), 0);
}

describe('StrataMetrics', () => {
  it('reads every namespace and class at scrape time', async () => {
    const cache = createStrata({ l3: false });
    const metrics = new StrataMetrics(cache, { processMetrics: false });
    try {
      await cache.namespace('a').set('k', 1);
      await cache.namespace('b').set('k', 2, { class: 'products' });
      await cache.namespace('a').get('k');
      await cache.namespace('b').get('missing', { class: 'products' });
      const families = await scrape(metrics);
      assert.equal(value(families, 'strata_hits_total', { namespace: 'a', class: 'default', tier: 'l1' }), 1);
      assert.equal(value(families, 'strata_misses_total', { namespace: 'b', class: 'products' }), 1);
      assert.equal(value(families, 'strata_sets_total', { namespace: 'b', class: 'products' }), 1);
      assert.equal(value(families, 'strata_hit_ratio', { namespace: 'a', class: 'default' }), 1);
      assert.equal(value(families, 'strata_tier_entries', { tier: 'l1' }), 2);
      assert.equal(families.find((f) => f.name === 'strata_process_cpu_seconds_total'), undefined, 'process metrics are optional');
    } finally {
      metrics.close();
      await cache.close();
    }
  });

  it('counts L1 evictions', async () => {
    const cache = createStrata({ l3: false, l1: { maxBytes: 64 * 1024, policy: 'lru' } });
    const metrics = new StrataMetrics(cache, { processMetrics: false });
    try {
      for (let i = 0; i < 200; i++) await cache.set(`k${i}`, 'v'.repeat(1000));
      const evictions = value(await scrape(metrics), 'strata_tier_evictions_total', { tier: 'l1' }) ?? 0;
      assert.ok(evictions > 0, `evictions ${evictions}`);
      assert.equal(evictions, cache.stats().l1?.evictions);
    } finally {
      metrics.close();
      await cache.close();
    }
  });

  it('exposes the replicated log lag when stats() reports it, and nothing before', async () => {
    const cache = createStrata({ l3: false });
    let log: { lagMs?: number; lagEvents?: number } | undefined;
    const withLog = (strata: Strata) => ({ ...strata.stats(), ...(log === undefined ? {} : { log }) });
    // The cache as core will present it once the replicated log reports its lag in stats().
    const source: MetricsSource = {
      stats: () => withLog(cache),
      namespaces: () => cache.namespaces(),
      namespace: (name) => ({ stats: () => withLog(cache.namespace(name)) }),
      tiers: () => cache.tiers(),
      on: (event, listener) => cache.on(event, listener as never),
      off: (event, listener) => cache.off(event, listener as never),
    };
    const metrics = new StrataMetrics(source, { processMetrics: false });
    try {
      assert.equal(value(await scrape(metrics), 'strata_replication_log_lag_seconds'), undefined);
      log = { lagMs: 1500, lagEvents: 7 };
      const families = await scrape(metrics);
      assert.equal(value(families, 'strata_replication_log_lag_seconds'), 1.5);
      assert.equal(value(families, 'strata_replication_log_lag_events'), 7);
    } finally {
      metrics.close();
      await cache.close();
    }
  });

  it('stops listening to the cache when closed', async () => {
    const cache = createStrata({ l3: false });
    const metrics = new StrataMetrics(cache, { processMetrics: false });
    await cache.invalidateTags(['t']);
    metrics.close();
    await cache.invalidateTags(['t']);
    assert.equal(value(await scrape(metrics), 'strata_events_total', { event: 'invalidate:tags' }), 1);
    await cache.close();
  });
});
