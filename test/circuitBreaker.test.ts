import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BreakerPerNode } from '../src/resilience/breakerPerNode.js';
import { CircuitBreaker } from '../src/resilience/circuitBreaker.js';
import { isStrataError } from '../src/errors.js';

function clock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const fail = () => Promise.reject(new Error('down'));
const succeed = () => Promise.resolve('ok');

describe('CircuitBreaker', () => {
  it('opens after the failure threshold within the window and rejects without calling', async () => {
    const c = clock();
    const breaker = new CircuitBreaker({ failureThreshold: 3, windowMs: 1000, openDurationMs: 500, now: c.now });
    for (let i = 0; i < 3; i++) await assert.rejects(breaker.execute(fail), /down/);
    assert.equal(breaker.state, 'open');
    let called = false;
    await assert.rejects(
      breaker.execute(async () => {
        called = true;
      }),
      (err: unknown) => isStrataError(err, 'CIRCUIT_OPEN'),
    );
    assert.equal(called, false);
    assert.equal(breaker.rejected, 1);
  });

  it('forgets failures older than the window', async () => {
    const c = clock();
    const breaker = new CircuitBreaker({ failureThreshold: 3, windowMs: 1000, now: c.now });
    await assert.rejects(breaker.execute(fail));
    await assert.rejects(breaker.execute(fail));
    c.advance(1500);
    await assert.rejects(breaker.execute(fail));
    assert.equal(breaker.state, 'closed');
  });

  it('goes half-open after the open duration, admits only the trial calls, and closes when they succeed', async () => {
    const c = clock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, openDurationMs: 500, halfOpenTrials: 2, now: c.now });
    const seen: string[] = [];
    breaker.onStateChange((to, from) => seen.push(`${from}->${to}`));
    await assert.rejects(breaker.execute(fail));
    c.advance(499);
    assert.equal(breaker.state, 'open');
    c.advance(1);
    assert.equal(breaker.state, 'half-open');
    let release!: () => void;
    const slow = breaker.execute(() => new Promise<string>((r) => (release = () => r('slow'))));
    const second = breaker.execute(succeed);
    await assert.rejects(breaker.execute(succeed), (err: unknown) => isStrataError(err, 'CIRCUIT_OPEN'));
    assert.equal(await second, 'ok');
    assert.equal(breaker.state, 'half-open');
    release();
    assert.equal(await slow, 'slow');
    assert.equal(breaker.state, 'closed');
    assert.deepEqual(seen, ['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('re-opens on a failed trial', async () => {
    const c = clock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, openDurationMs: 100, now: c.now });
    await assert.rejects(breaker.execute(fail));
    c.advance(100);
    await assert.rejects(breaker.execute(fail), /down/);
    assert.equal(breaker.state, 'open');
  });

  it('ignores errors that isFailure says are not outages', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, isFailure: (err) => !(err instanceof TypeError) });
    await assert.rejects(breaker.execute(() => Promise.reject(new TypeError('bad input'))));
    assert.equal(breaker.state, 'closed');
  });

  it('turns a synchronous throw into a rejection', async () => {
    const breaker = new CircuitBreaker();
    const promise = breaker.execute(() => {
      throw new Error('sync');
    });
    await assert.rejects(promise, /sync/);
  });

  it('rejects invalid settings', () => {
    assert.throws(() => new CircuitBreaker({ failureThreshold: 0 }), (err: unknown) => isStrataError(err, 'INVALID_OPTION'));
    assert.throws(() => new CircuitBreaker({ openDurationMs: Number.NaN }), (err: unknown) => isStrataError(err, 'INVALID_OPTION'));
  });

  it('probe() turns an open circuit half-open before its open period ends, and does nothing when closed', async () => {
    const c = clock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, openDurationMs: 600_000, now: c.now });
    assert.equal(breaker.probe(), false);
    assert.equal(breaker.state, 'closed');
    await assert.rejects(breaker.execute(fail));
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.probe(), true);
    assert.equal(breaker.state, 'half-open');
    assert.equal(await breaker.execute(succeed), 'ok');
    assert.equal(breaker.state, 'closed');
  });

  it('probe() on a half-open circuit admits a fresh trial; the earlier trial no longer decides', async () => {
    const c = clock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, openDurationMs: 100, now: c.now });
    await assert.rejects(breaker.execute(fail));
    c.advance(100);
    let failStale!: () => void;
    const stale = breaker.execute(() => new Promise<string>((_, reject) => (failStale = () => reject(new Error('stale')))));
    await assert.rejects(breaker.execute(succeed), (err: unknown) => isStrataError(err, 'CIRCUIT_OPEN'));
    breaker.probe();
    assert.equal(await breaker.execute(succeed), 'ok');
    assert.equal(breaker.state, 'closed');
    failStale();
    await assert.rejects(stale, /stale/);
    assert.equal(breaker.state, 'closed', 'a trial admitted before the probe does not re-open the circuit');
  });

  it('ignores outcomes of calls admitted before the last state change', async () => {
    const c = clock();
    const breaker = new CircuitBreaker({ failureThreshold: 2, openDurationMs: 100, now: c.now });
    const pending: Array<() => void> = [];
    const hanging = [0, 1, 2].map(() => breaker.execute(() => new Promise<string>((_, reject) => pending.push(() => reject(new Error('late'))))));
    await assert.rejects(breaker.execute(fail));
    await assert.rejects(breaker.execute(fail));
    assert.equal(breaker.state, 'open');
    c.advance(100);
    assert.equal(await breaker.execute(succeed), 'ok');
    assert.equal(breaker.state, 'closed');
    // Calls admitted while it was closed the first time fail now: they say nothing about Redis after the recovery.
    for (const reject of pending) reject();
    for (const call of hanging) await assert.rejects(call, /late/);
    assert.equal(breaker.state, 'closed');
    await assert.rejects(breaker.execute(fail));
    assert.equal(breaker.state, 'closed', 'one new failure of two');
  });
});

describe('BreakerPerNode', () => {
  const failOn = (breaker: CircuitBreaker, times: number) => Promise.all(Array.from({ length: times }, () => breaker.execute(fail).catch(() => undefined)));

  it('opens one node\'s breaker without touching the others, and sums up their states', async () => {
    const c = clock();
    const live = new Set(['a:1', 'b:2']);
    const set = new BreakerPerNode((node) => new CircuitBreaker({ failureThreshold: 2, openDurationMs: 500, now: c.now, name: node ?? 'all' }), () => live);
    const a = set.of('a:1');
    const b = set.of('b:2');
    assert.notEqual(a, b);
    assert.equal(set.of('a:1'), a, 'one breaker per node, made once');
    assert.equal(set.of(undefined), set.fallback, 'an unknown node uses the fallback');
    assert.deepEqual(set.states(), { 'a:1': 'closed', 'b:2': 'closed' });
    assert.equal(set.state(), 'closed');

    await failOn(a, 2);
    assert.deepEqual(set.states(), { 'a:1': 'open', 'b:2': 'closed' });
    assert.equal(set.state(), 'half-open', 'partly refused');
    assert.equal(await b.execute(succeed), 'ok');
    await assert.rejects(a.execute(succeed), (err: unknown) => isStrataError(err, 'CIRCUIT_OPEN'));
    await failOn(b, 2);
    assert.equal(set.state(), 'open', 'every node refused');
    assert.equal(set.rejected(), 1);

    set.probe();
    assert.deepEqual(set.states(), { 'a:1': 'half-open', 'b:2': 'half-open' });
  });

  it('drops the breakers of nodes that left, keeping their rejections counted', async () => {
    const live = new Set(['a:1', 'b:2']);
    const set = new BreakerPerNode((node) => new CircuitBreaker({ failureThreshold: 1, openDurationMs: 60_000, name: node ?? 'all' }), () => live);
    const a = set.of('a:1');
    set.of('b:2');
    await failOn(a, 1);
    await a.execute(succeed).catch(() => undefined);
    assert.equal(set.rejected(), 1);
    // a:1 failed over to c:3: its slots now name the new master.
    live.delete('a:1');
    live.add('c:3');
    const c = set.of('c:3');
    assert.equal(c.state, 'closed');
    assert.deepEqual(Object.keys(set.states()).sort(), ['b:2', 'c:3']);
    assert.equal(set.rejected(), 1, 'a dropped breaker\'s rejections still count');
    live.delete('b:2');
    set.prune();
    assert.deepEqual(Object.keys(set.states()), ['c:3']);
  });

  it('uses one shared breaker for every node', async () => {
    const shared = new CircuitBreaker({ failureThreshold: 1 });
    const set = new BreakerPerNode(() => new CircuitBreaker(), () => new Set(['a:1']), shared);
    assert.equal(set.of('a:1'), shared);
    assert.equal(set.of(undefined), shared);
    await failOn(shared, 1);
    assert.deepEqual(set.states(), { '*': 'open' });
    assert.equal(set.state(), 'open');
  });
});
