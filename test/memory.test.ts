import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isStrataError } from '../src/errors.js';
import { MemoryTier } from '../src/tiers/memory.js';

describe('MemoryTier', () => {
  it('never holds more than maxBytes, whatever the sequence of operations', () => {
    const operation = fc.oneof(
      fc.record({ op: fc.constant('set' as const), partition: fc.integer({ min: 0, max: 2 }), key: fc.integer({ min: 0, max: 60 }), weight: fc.integer({ min: 1, max: 400 }) }),
      fc.record({ op: fc.constant('get' as const), partition: fc.integer({ min: 0, max: 2 }), key: fc.integer({ min: 0, max: 60 }) }),
      fc.record({ op: fc.constant('delete' as const), partition: fc.integer({ min: 0, max: 2 }), key: fc.integer({ min: 0, max: 60 }) }),
      fc.record({ op: fc.constant('clear' as const), partition: fc.integer({ min: 0, max: 2 }) }),
    );
    fc.assert(
      fc.property(fc.constantFrom<'tinylfu' | 'lru'>('tinylfu', 'lru'), fc.integer({ min: 1, max: 2000 }), fc.array(operation, { maxLength: 400 }), (policy, maxBytes, operations) => {
        const tier = new MemoryTier<number>({ maxBytes, maxEntryBytes: Math.max(1, Math.floor(maxBytes / 2)), policy });
        const partitions = [tier.partition('a'), tier.partition('b'), tier.partition('c')];
        const weights = partitions.map(() => new Map<string, number>());
        for (const step of operations) {
          const partition = partitions[step.partition]!;
          const model = weights[step.partition]!;
          if (step.op === 'set') {
            const key = String(step.key);
            if (partition.set(key, step.weight, step.weight)) model.set(key, step.weight);
            else model.delete(key);
          } else if (step.op === 'get') {
            const value = partition.get(String(step.key));
            if (value !== undefined) assert.equal(value, model.get(String(step.key)));
          } else if (step.op === 'delete') {
            partition.delete(String(step.key));
          } else {
            partition.clear();
          }
          const stats = tier.stats();
          assert.ok(stats.bytes <= maxBytes, `${stats.bytes} bytes held, limit ${maxBytes}`);
          let bytes = 0;
          let entries = 0;
          partitions.forEach((p, i) => {
            for (const key of p.keys()) {
              const weight = weights[i]!.get(key);
              assert.notEqual(weight, undefined, `key ${key} present but never accepted`);
              assert.equal(p.peek(key), weight);
              bytes += weight!;
              entries++;
            }
          });
          assert.equal(stats.bytes, bytes);
          assert.equal(stats.entries, entries);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('queues hits without changing a decision: the same operations give the same entries whether or not every hit is accounted at once', () => {
    // stats() accounts queued hits, so calling it after every operation is the eager reference.
    const operation = fc.oneof(
      { weight: 1, arbitrary: fc.record({ op: fc.constant('set' as const), partition: fc.integer({ min: 0, max: 1 }), key: fc.integer({ min: 0, max: 80 }), weight: fc.integer({ min: 1, max: 40 }) }) },
      { weight: 4, arbitrary: fc.record({ op: fc.constant('get' as const), partition: fc.integer({ min: 0, max: 1 }), key: fc.integer({ min: 0, max: 80 }), fresh: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), partition: fc.integer({ min: 0, max: 1 }), key: fc.integer({ min: 0, max: 80 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('clear' as const), partition: fc.integer({ min: 0, max: 1 }) }) },
    );
    fc.assert(
      fc.property(fc.constantFrom<'tinylfu' | 'lru'>('tinylfu', 'lru'), fc.integer({ min: 20, max: 600 }), fc.array(operation, { minLength: 50, maxLength: 1500 }), (policy, maxBytes, operations) => {
        const tiers = [0, 1].map(() => new MemoryTier<number>({ maxBytes, maxEntryBytes: Math.max(1, Math.floor(maxBytes / 2)), policy }));
        const [eager, queued] = tiers.map((tier) => [tier.partition('a'), tier.partition('b')]);
        operations.forEach((step, i) => {
          const answers = [eager!, queued!].map((partitions) => {
            const partition = partitions[step.partition]!;
            if (step.op === 'set') return partition.set(String(step.key), i, step.weight, i % 3 === 0 ? -Infinity : Infinity, i);
            if (step.op === 'get') return step.fresh ? partition.getFresh(String(step.key), 0) : partition.get(String(step.key));
            if (step.op === 'delete') return partition.delete(String(step.key));
            partition.clear();
            return undefined;
          });
          tiers[0]!.stats();
          assert.deepEqual(answers[1], answers[0], `operation ${i} (${step.op}) answered differently`);
        });
        assert.deepEqual(tiers[1]!.stats(), tiers[0]!.stats());
        for (const p of [0, 1]) assert.deepEqual([...queued![p]!.keys()].sort(), [...eager![p]!.keys()].sort());
      }),
      { numRuns: 200 },
    );
  });

  it('refuses an entry heavier than maxEntryBytes and drops the previous value of its key', () => {
    const tier = new MemoryTier<string>({ maxBytes: 1000, maxEntryBytes: 100 });
    const cache = tier.partition('p');
    assert.equal(cache.set('k', 'old', 50), true);
    assert.equal(cache.set('k', 'new', 101), false);
    assert.equal(cache.get('k'), undefined);
    assert.equal(cache.has('k'), false);
    assert.equal(tier.stats().rejected, 1);
    assert.equal(tier.stats().bytes, 0);
  });

  it('defaults maxEntryBytes to an eighth of maxBytes', () => {
    const cache = new MemoryTier<string>({ maxBytes: 800 }).partition('p');
    assert.equal(cache.set('fits', 'v', 100), true);
    assert.equal(cache.set('too-big', 'v', 101), false);
  });

  it('replacing a value updates its weight', () => {
    const tier = new MemoryTier<string>({ maxBytes: 1000, maxEntryBytes: 500 });
    const cache = tier.partition('p');
    cache.set('k', 'a', 10);
    cache.set('k', 'b', 30);
    assert.equal(cache.get('k'), 'b');
    assert.deepEqual({ entries: tier.stats().entries, bytes: tier.stats().bytes }, { entries: 1, bytes: 30 });
    cache.set('k', 'c', 5);
    assert.equal(tier.stats().bytes, 5);
  });

  it('delete removes one key and reports whether it was there', () => {
    const tier = new MemoryTier<number>({ maxBytes: 100 });
    const cache = tier.partition('p');
    cache.set('a', 1, 3);
    cache.set('b', 2, 4);
    assert.equal(cache.delete('a'), true);
    assert.equal(cache.delete('a'), false);
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.get('b'), 2);
    assert.equal(cache.size, 1);
    assert.equal(tier.stats().bytes, 4);
  });

  it('clear empties one partition, and the tier clear empties all', () => {
    const tier = new MemoryTier<number>({ maxBytes: 100 });
    const a = tier.partition('a');
    const b = tier.partition('b');
    a.set('x', 1, 1);
    b.set('x', 2, 1);
    a.clear();
    assert.equal(a.size, 0);
    assert.equal(b.get('x'), 2);
    tier.clear();
    assert.equal(b.size, 0);
    assert.deepEqual({ entries: tier.stats().entries, bytes: tier.stats().bytes }, { entries: 0, bytes: 0 });
    a.set('y', 3, 1);
    assert.equal(a.get('y'), 3);
  });

  it('keeps partitions apart: the same key in two partitions holds two values', () => {
    const tier = new MemoryTier<string>({ maxBytes: 100 });
    assert.equal(tier.partition('users'), tier.partition('users'));
    const users = tier.partition('users');
    const products = tier.partition('products');
    users.set('42', 'alice', 1);
    products.set('42', 'teapot', 1);
    assert.equal(users.get('42'), 'alice');
    assert.equal(products.get('42'), 'teapot');
    users.delete('42');
    assert.equal(products.get('42'), 'teapot');
    assert.deepEqual([...products.keys()], ['42']);
  });

  it('frequency admission keeps hot keys that a scan of one-hit wonders flushes from LRU', () => {
    const survivors = (policy: 'tinylfu' | 'lru'): number => {
      const cache = new MemoryTier<number>({ maxBytes: 100, maxEntryBytes: 1, policy }).partition('p');
      const access = (key: string): void => {
        if (cache.get(key) === undefined) cache.set(key, 1, 1);
      };
      for (let round = 0; round < 20; round++) for (let hot = 0; hot < 10; hot++) access(`hot${hot}`);
      for (let i = 0; i < 1000; i++) access(`scan${i}`);
      let kept = 0;
      for (let hot = 0; hot < 10; hot++) if (cache.has(`hot${hot}`)) kept++;
      return kept;
    };
    assert.equal(survivors('lru'), 0);
    assert.equal(survivors('tinylfu'), 10);
  });

  it('admits a refused candidate that comes back while remembered when frequencies tie (a loop just over the cache)', () => {
    // Every key of a loop has the same frequency, so without the tie rule each candidate loses to the main space's
    // victim and the cache keeps the first 100 keys: about 5% of requests hit (measured before the rule: 0.11 and 0.06).
    for (const length of [105, 110]) {
      const cache = new MemoryTier<boolean>({ maxBytes: 100, maxEntryBytes: 1 }).partition('p');
      let hits = 0;
      const requests = 20_000;
      for (let i = 0; i < requests; i++) {
        const key = `loop${i % length}`;
        if (cache.get(key) === undefined) cache.set(key, true, 1);
        else hits++;
      }
      assert.ok(hits / requests > 0.6, `loop of ${length}: hit ratio ${hits / requests}`);
    }
  });

  it('lets a new working set that recurs sooner than the stale main space was used replace it (reuse gap)', () => {
    // The main space holds 95 keys requested 8 times each; then 16 new keys recur, each round with a few one-hit
    // wonders in between. The new keys stay less frequent than the victims for several rounds, so frequency alone
    // refuses them (measured without the reuse-gap rule: 15 hits); their reuse gap, shorter than the victims'
    // recency, admits them from their second round (67 hits).
    const cache = new MemoryTier<boolean>({ maxBytes: 100, maxEntryBytes: 1 }).partition('p');
    let freshHits = 0;
    let scan = 0;
    const access = (key: string, fresh: boolean): void => {
      if (cache.get(key) === undefined) cache.set(key, true, 1);
      else if (fresh) freshHits++;
    };
    for (let round = 0; round < 8; round++) for (let old = 0; old < 95; old++) access(`old${old}`, false);
    for (let round = 0; round < 6; round++) {
      for (let fresh = 0; fresh < 16; fresh++) {
        access(`fresh${fresh}`, true);
        if (fresh % 3 === 0) access(`scan${scan++}`, false);
      }
    }
    assert.ok(freshHits >= 50, `${freshHits} hits on the new working set (of 80 possible)`);
  });

  it('keeps the byte bound when weighted keys loop back from the refused ghosts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 500 }),
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 20, maxLength: 200 }),
        fc.integer({ min: 1, max: 6 }),
        (maxBytes, weights, rounds) => {
          const maxEntryBytes = Math.max(1, Math.floor(maxBytes / 4));
          const tier = new MemoryTier<number>({ maxBytes, maxEntryBytes });
          const cache = tier.partition('p');
          for (let round = 0; round < rounds; round++) {
            weights.forEach((weight, key) => {
              if (cache.get(String(key)) === undefined) cache.set(String(key), weight, weight);
              const stats = tier.stats();
              assert.ok(stats.bytes <= maxBytes, `${stats.bytes} bytes held, limit ${maxBytes}`);
              assert.ok(stats.windowBytes <= stats.bytes);
            });
          }
          let bytes = 0;
          for (const key of cache.keys()) bytes += cache.peek(key)!;
          assert.equal(bytes, tier.stats().bytes);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('grows its admission window on a recency-heavy workload, and shrinks it again on a frequency-heavy one', () => {
    const tier = new MemoryTier<boolean>({ maxBytes: 100, maxEntryBytes: 1 });
    const cache = tier.partition('p');
    const access = (key: string): void => {
      if (cache.get(key) === undefined) cache.set(key, true, 1);
    };
    let seed = 1;
    const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    // A working set sliding forward: what was used recently is what will be used next.
    for (let i = 0; i < 100_000; i++) access(`slide${Math.floor(i / 20) + Math.floor(random() * random() * 300)}`);
    const recencyWindow = tier.stats().windowBytes;
    assert.ok(recencyWindow > 50, `window ${recencyWindow} of 100`);
    // Then a fixed hot set of 90 keys among a stream of one-time keys: frequency is what matters.
    for (let i = 0; i < 100_000; i++) access(i % 2 === 0 ? `hot${Math.floor(random() * 90)}` : `once${i}`);
    const frequencyWindow = tier.stats().windowBytes;
    assert.ok(frequencyWindow < recencyWindow / 2, `window ${frequencyWindow} after ${recencyWindow}`);
  });

  it('peek does not count as a use, get does (LRU order)', () => {
    const evictedAfter = (look: 'peek' | 'get'): string[] => {
      const cache = new MemoryTier<number>({ maxBytes: 2, maxEntryBytes: 1, policy: 'lru' }).partition('p');
      cache.set('a', 1, 1);
      cache.set('b', 2, 1);
      if (look === 'peek') assert.equal(cache.peek('a'), 1);
      else assert.equal(cache.get('a'), 1);
      cache.set('c', 3, 1);
      return ['a', 'b'].filter((k) => !cache.has(k));
    };
    assert.deepEqual(evictedAfter('peek'), ['a']);
    assert.deepEqual(evictedAfter('get'), ['b']);
  });

  it('counts evictions and reports the window', () => {
    const tier = new MemoryTier<number>({ maxBytes: 50, maxEntryBytes: 5 });
    const cache = tier.partition('p');
    for (let i = 0; i < 100; i++) cache.set(`k${i}`, i, 1);
    const stats = tier.stats();
    assert.equal(stats.entries, 50);
    assert.equal(stats.evictions, 50);
    assert.equal(stats.maxBytes, 50);
    assert.ok(stats.windowBytes >= 1 && stats.windowBytes <= 50);
  });

  it('rejects invalid options and weights with INVALID_OPTION', () => {
    for (const options of [{ maxBytes: 0 }, { maxBytes: 1.5 }, { maxBytes: 10, maxEntryBytes: 11 }, { maxBytes: 10, policy: 'fifo' as 'lru' }]) {
      assert.throws(() => new MemoryTier(options), (err) => isStrataError(err, 'INVALID_OPTION'));
    }
    const cache = new MemoryTier<number>({ maxBytes: 10 }).partition('p');
    for (const weight of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => cache.set('k', 1, weight), (err) => isStrataError(err, 'INVALID_OPTION'));
    }
  });
});
