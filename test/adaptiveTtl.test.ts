import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveAdaptiveTtl, type ResolvedAdaptiveTtl } from '../src/config/adaptiveTtlOptions.js';
import { AdaptiveTtl } from '../src/core/adaptiveTtl.js';
import { createStrata, StrataError, type AdaptiveTtlOptions } from '../src/index.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function options(overrides: Partial<AdaptiveTtlOptions> = {}): ResolvedAdaptiveTtl {
  return resolveAdaptiveTtl('products', { minTtl: '1m', maxTtl: '24h', minReadsPerTtl: 0, ...overrides }) as ResolvedAdaptiveTtl;
}

/** Writes every key of a group once per `every` ms for `hours`, with a new value each `changeEvery` writes (0: never). */
function observe(ttl: AdaptiveTtl, group: string, keys: number, every: number, hours: number, changeEvery: number, start = 0): number {
  let now = start;
  for (let round = 0; now < start + hours * HOUR; round++, now += every) {
    for (let k = 0; k < keys; k++) {
      const key = `${group}:${k}`;
      ttl.read(key, now);
      const version = changeEvery === 0 ? 0 : Math.floor(round / changeEvery);
      ttl.written(key, Buffer.from(`${key}@${version}`), now);
    }
  }
  return now;
}

function throwsCode(code: string): (err: unknown) => boolean {
  return (err) => err instanceof StrataError && err.code === code;
}

describe('adaptive TTL', () => {
  it('starts a group at the class TTL, clamped to the bounds', () => {
    assert.equal(new AdaptiveTtl(options(), HOUR).ttlFor('price:1', 0), HOUR);
    assert.equal(new AdaptiveTtl(options({ maxTtl: '10m' }), HOUR).ttlFor('price:1', 0), 10 * MINUTE);
    assert.equal(new AdaptiveTtl(options({ minTtl: '2h' }), HOUR).ttlFor('price:1', 0), 2 * HOUR);
  });

  it('gives a group that changes often a shorter TTL than one that never changes', () => {
    const ttl = new AdaptiveTtl(options(), HOUR);
    const end = observe(ttl, 'price', 50, 10 * MINUTE, 12, 6);
    observe(ttl, 'spec', 50, 10 * MINUTE, 12, 0);
    const price = ttl.ttlFor('price:1', end);
    const spec = ttl.ttlFor('spec:1', end);
    assert.ok(price < HOUR, `a group changing hourly should get less than the 1 h it started from, got ${price / MINUTE} min`);
    assert.ok(spec > HOUR, `a group that never changes should get more than 1 h, got ${spec / MINUTE} min`);
    const described = new Map(ttl.describe(end).map((g) => [g.group, g]));
    const changes = described.get('price')?.changesPerHour ?? 0;
    assert.ok(changes > 0.5 && changes < 1.5, `about one change per key per hour, estimated ${changes}`);
  });

  it('bounds the chance that an entry expires stale: TTL ≈ −ln(1 − p) / change rate', () => {
    const ttl = new AdaptiveTtl(options({ staleProbability: 0.1, halfLife: '48h' }), HOUR);
    const end = observe(ttl, 'price', 40, MINUTE, 24, 60);
    const expected = -Math.log(0.9) * HOUR;
    const chosen = ttl.ttlFor('price:7', end);
    assert.ok(Math.abs(chosen - expected) / expected < 0.25, `expected about ${(expected / MINUTE).toFixed(1)} min, got ${(chosen / MINUTE).toFixed(1)} min`);
  });

  it('stays within [minTtl, maxTtl] however fast or slow the source changes', () => {
    const ttl = new AdaptiveTtl(options({ minTtl: '5m', maxTtl: '2h' }), HOUR);
    const end = observe(ttl, 'hot', 20, MINUTE, 6, 1);
    observe(ttl, 'cold', 20, MINUTE, 6, 0);
    assert.equal(ttl.ttlFor('hot:1', end), 5 * MINUTE);
    assert.equal(ttl.ttlFor('cold:1', end), 2 * HOUR);
  });

  it('counts explicit invalidations as changes', () => {
    const ttl = new AdaptiveTtl(options(), HOUR);
    let now = 0;
    for (let i = 0; i < 200; i++, now += 5 * MINUTE) {
      ttl.written(`stock:${i % 10}`, Buffer.from('same'), now);
      if (i % 2 === 1) ttl.invalidated(`stock:${i % 10}`, now + MINUTE);
    }
    assert.ok(ttl.ttlFor('stock:1', now) < 10 * MINUTE);
  });

  it('keeps a group whose entries are rarely read for minTtl only', () => {
    const ttl = new AdaptiveTtl(options({ minReadsPerTtl: 1 }), HOUR);
    let now = 0;
    for (let k = 0; k < 1000; k++, now += MINUTE) {
      ttl.read(`archive:${k}`, now);
      ttl.written(`archive:${k}`, Buffer.from('v'), now);
    }
    assert.equal(ttl.ttlFor('archive:1', now), MINUTE);
    const busy = new AdaptiveTtl(options({ minReadsPerTtl: 1 }), HOUR);
    const end = observe(busy, 'archive', 10, MINUTE, 3, 0);
    assert.ok(busy.ttlFor('archive:1', end) > HOUR);
  });

  it('rejects bad options with INVALID_TTL / INVALID_OPTION', () => {
    const bad = (adaptiveTtl: unknown): (() => unknown) => () => createStrata({ l3: false, classes: { products: { adaptiveTtl: adaptiveTtl as AdaptiveTtlOptions } } });
    assert.throws(bad({ minTtl: '2h', maxTtl: '1h' }), throwsCode('INVALID_TTL'));
    assert.throws(bad({ minTtl: 0, maxTtl: '1h' }), throwsCode('INVALID_TTL'));
    assert.throws(bad({ minTtl: '1m' }), throwsCode('INVALID_TTL'));
    assert.throws(bad({ minTtl: '1m', maxTtl: Infinity }), throwsCode('INVALID_TTL'));
    assert.throws(bad({ minTtl: 'soon', maxTtl: '1h' }), throwsCode('INVALID_TTL'));
    assert.throws(bad({ minTtl: '1m', maxTtl: '1h', staleProbability: 1 }), throwsCode('INVALID_OPTION'));
    assert.throws(bad({ minTtl: '1m', maxTtl: '1h', staleProbability: 0 }), throwsCode('INVALID_OPTION'));
    assert.throws(bad({ minTtl: '1m', maxTtl: '1h', minReadsPerTtl: -1 }), throwsCode('INVALID_OPTION'));
    assert.throws(bad({ minTtl: '1m', maxTtl: '1h', group: 'prefix' }), throwsCode('INVALID_OPTION'));
    assert.throws(bad('1h'), throwsCode('INVALID_OPTION'));
  });

  it('in a cache: entries of a group that keeps changing expire at minTtl, those of a stable group outlive it', async () => {
    const cache = createStrata({ l3: false, classes: { products: { ttl: '1s', adaptiveTtl: { minTtl: 30, maxTtl: '1h', minReadsPerTtl: 0 } } } });
    for (let i = 0; i < 200; i++) {
      await cache.set(`price:${i % 5}`, i, { class: 'products' });
      await cache.set(`spec:${i % 5}`, 'steel', { class: 'products' });
    }
    await sleep(80);
    assert.equal(await cache.get('price:1', { class: 'products' }), undefined);
    assert.equal(await cache.get('spec:1', { class: 'products' }), 'steel');
    const groups = new Map(cache.stats().adaptiveTtl?.products?.map((g) => [g.group, g]));
    assert.equal(groups.get('price')?.ttl, 30);
    assert.ok((groups.get('spec')?.ttl ?? 0) > 30);
    assert.ok((groups.get('price')?.changesPerHour ?? 0) > (groups.get('spec')?.changesPerHour ?? Infinity));
    await cache.close();
  });
});
