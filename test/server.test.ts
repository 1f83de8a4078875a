import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheus, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { createStrata, recordLlmCallSaved, recordSemanticLookup, type Strata } from '../src/index.js';
import { createServer, type SemanticHandler, type StrataServer } from '../src/server/index.js';

let dir = '';
let cache: Strata;
let server: StrataServer;
let base = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-server-'));
  cache = createStrata({ l3: { path: dir } });
  server = createServer({ cache, host: '127.0.0.1', port: 0 });
  base = await server.listen();
});
after(async () => {
  await server.close();
  await cache.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }> {
  const response = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

/**
 * The parsed exposition. parse-prometheus-text-format folds a labelled histogram into one label-less sample, so
 * histograms are parsed a second time without their TYPE line: their `_bucket`, `_sum` and `_count` series then come
 * out as separate families that keep their labels.
 */
async function metrics(): Promise<PrometheusFamily[]> {
  const response = await fetch(`${base}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
  const text = await response.text();
  const typed = parsePrometheus(text);
  const untyped = parsePrometheus(text.replace(/^# TYPE \S+ histogram$/gm, '')).filter((f) => /_(count|sum|bucket)$/.test(f.name));
  return [...typed, ...untyped];
}

function sample(families: PrometheusFamily[], name: string, labels: Record<string, string> = {}): number {
  const matching = families.filter((f) => f.name === name).flatMap((f) => f.metrics).filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return matching.reduce((sum, m) => sum + Number(m.value ?? 0), 0);
}

describe('the REST API', () => {
  it('stores, reads and deletes a value, in any namespace and class', async () => {
    assert.equal((await call('PUT', '/v1/ns/docs/keys/q%3A1', { value: { answer: 42 }, ttl: '1h', tags: ['product:1'] })).status, 204);
    assert.deepEqual((await call('GET', '/v1/ns/docs/keys/q%3A1')).json, { key: 'q:1', value: { answer: 42 } });
    assert.equal((await call('GET', '/v1/ns/other/keys/q%3A1')).status, 404, 'namespaces are separate');
    assert.equal((await call('PUT', '/v1/ns/docs/keys/p%2F7?class=products', { value: 'seven' })).status, 204);
    assert.deepEqual((await call('GET', '/v1/ns/docs/keys/p%2F7?class=products')).json, { key: 'p/7', value: 'seven' });
    assert.equal((await call('GET', '/v1/ns/docs/keys/p%2F7')).status, 404, 'classes are separate');
    assert.equal((await call('DELETE', '/v1/ns/docs/keys/q%3A1')).status, 204);
    const missing = await call('GET', '/v1/ns/docs/keys/q%3A1');
    assert.equal(missing.status, 404);
    assert.equal((missing.json as { error: { code: string } }).error.code, 'NOT_FOUND');
  });

  it('reads and writes in batches', async () => {
    const items = [
      { key: 'a', value: 1 },
      { key: 'b', value: [2], tags: ['t'] },
    ];
    assert.equal((await call('POST', '/v1/ns/batch/set', { items })).status, 204);
    const got = await call('POST', '/v1/ns/batch/get', { keys: ['a', 'nope', 'b'] });
    assert.deepEqual(got.json, {
      items: [
        { key: 'a', found: true, value: 1 },
        { key: 'nope', found: false },
        { key: 'b', found: true, value: [2] },
      ],
    });
  });

  it('invalidates by keys, by pattern, by tag, and clears a namespace', async () => {
    await call('POST', '/v1/ns/inv/set', {
      items: [
        { key: 'user:1:a', value: 1 },
        { key: 'user:1:b', value: 2 },
        { key: 'user:2:a', value: 3 },
        { key: 'k', value: 4 },
        { key: 'tagged', value: 5, tags: ['product:9'] },
      ],
    });
    assert.deepEqual((await call('POST', '/v1/ns/inv/invalidate', { keys: ['k'], pattern: 'user:1:*' })).json, { keys: 1, pattern: 'user:1:*' });
    const after1 = (await call('POST', '/v1/ns/inv/get', { keys: ['user:1:a', 'user:1:b', 'user:2:a', 'k', 'tagged'] })).json as { items: Array<{ found: boolean }> };
    assert.deepEqual(after1.items.map((i) => i.found), [false, false, true, false, true]);
    assert.equal((await call('POST', '/v1/invalidate/tags', { tags: ['product:9'] })).status, 204);
    assert.equal((await call('GET', '/v1/ns/inv/keys/tagged')).status, 404);
    assert.equal((await call('DELETE', '/v1/ns/inv')).status, 204);
    assert.equal((await call('GET', '/v1/ns/inv/keys/user%3A2%3Aa')).status, 404);
  });

  it('reports stats per namespace and for the tiers, and says plainly that no L2 is configured', async () => {
    await call('PUT', '/v1/ns/st/keys/x', { value: 'x' });
    await call('GET', '/v1/ns/st/keys/x');
    await call('GET', '/v1/ns/st/keys/y');
    const ns = (await call('GET', '/v1/ns/st/stats')).json as { classes: Record<string, { hits: { total: number }; misses: number; sets: number }> };
    assert.equal(ns.classes.default?.hits.total, 1);
    assert.equal(ns.classes.default?.misses, 1);
    assert.equal(ns.classes.default?.sets, 1);
    const all = (await call('GET', '/v1/stats')).json as { namespaces: Record<string, unknown>; tiers: { l1: { entries: number }; l2: null; l3: { entries: number } } };
    assert.ok('st' in all.namespaces && 'docs' in all.namespaces);
    assert.equal(all.tiers.l2, null);
    assert.ok(all.tiers.l3.entries > 0, 'L3 holds what was written');
    const redis = (await call('GET', '/v1/redis')).json as { configured: boolean; message: string };
    assert.equal(redis.configured, false);
    assert.match(redis.message, /no L2 configured/);
  });

  it('answers health checks: live, and ready without L2', async () => {
    assert.deepEqual((await call('GET', '/health/live')).json, { status: 'ok' });
    assert.deepEqual((await call('GET', '/health/ready')).json, { status: 'ready' });
  });
});

describe('/metrics', () => {
  it('parses as Prometheus text, and its counters and histograms move with traffic', async () => {
    const before1 = await metrics();
    const l1Before = sample(before1, 'strata_hits_total', { namespace: 'm', tier: 'l1' });
    const missesBefore = sample(before1, 'strata_misses_total', { namespace: 'm' });
    await call('PUT', '/v1/ns/m/keys/hot', { value: 'v' });
    for (let i = 0; i < 5; i++) await call('GET', '/v1/ns/m/keys/hot');
    await call('GET', '/v1/ns/m/keys/cold');
    const after1 = await metrics();
    assert.equal(sample(after1, 'strata_hits_total', { namespace: 'm', tier: 'l1' }) - l1Before, 5);
    assert.equal(sample(after1, 'strata_misses_total', { namespace: 'm' }) - missesBefore, 1);
    assert.equal(sample(after1, 'strata_sets_total', { namespace: 'm' }), 1);
    const l3Ops = after1.find((f) => f.name === 'strata_tier_operation_duration_seconds');
    assert.equal(l3Ops?.type, 'HISTOGRAM');
    assert.ok(sample(after1, 'strata_tier_operation_duration_seconds_count', { tier: 'l3' }) > 0, 'L3 calls are timed');
    assert.ok(sample(after1, 'strata_http_request_duration_seconds_count', { route: '/v1/ns/:namespace/keys/:key', method: 'GET' }) >= 6);
    assert.ok(sample(after1, 'strata_tier_bytes', { tier: 'l1' }) > 0);
    assert.ok(sample(after1, 'strata_tier_entries', { tier: 'l3' }) > 0);
    assert.ok(after1.some((f) => f.name === 'strata_process_resident_memory_bytes'), 'process metrics are there');
    const help = after1.find((f) => f.name === 'strata_tier_operation_duration_seconds')?.help ?? '';
    assert.match(help, /L1 is not timed per call/);
    assert.equal(after1.find((f) => f.name === 'strata_circuit_breaker_state')?.metrics.length ?? 0, 0, 'no breaker without L2');
  });

  it('counts semantic lookups and LLM savings recorded through the exported functions', async () => {
    const before1 = await metrics();
    recordSemanticLookup(true, 0.97);
    recordSemanticLookup(false, 0.61);
    recordLlmCallSaved(350);
    const after1 = await metrics();
    const delta = (name: string, labels: Record<string, string> = {}) => sample(after1, name, labels) - sample(before1, name, labels);
    assert.equal(delta('strata_semantic_lookups_total', { outcome: 'hit' }), 1);
    assert.equal(delta('strata_semantic_lookups_total', { outcome: 'miss' }), 1);
    assert.equal(delta('strata_semantic_similarity_count'), 2);
    assert.equal(delta('strata_llm_calls_saved_total'), 1);
    assert.equal(delta('strata_llm_tokens_saved_total'), 350);
  });

  it('counts invalidation events', async () => {
    const before1 = sample(await metrics(), 'strata_events_total', { event: 'invalidate:tags' });
    await call('POST', '/v1/invalidate/tags', { tags: ['x'] });
    assert.equal(sample(await metrics(), 'strata_events_total', { event: 'invalidate:tags' }) - before1, 1);
  });
});

describe('/openapi.json', () => {
  const routes = [
    ['get', '/v1/ns/{namespace}/keys/{key}'],
    ['put', '/v1/ns/{namespace}/keys/{key}'],
    ['delete', '/v1/ns/{namespace}/keys/{key}'],
    ['post', '/v1/ns/{namespace}/get'],
    ['post', '/v1/ns/{namespace}/set'],
    ['post', '/v1/ns/{namespace}/invalidate'],
    ['post', '/v1/invalidate/tags'],
    ['post', '/v1/warm'],
    ['delete', '/v1/ns/{namespace}'],
    ['get', '/v1/ns/{namespace}/stats'],
    ['get', '/v1/stats'],
    ['get', '/v1/redis'],
    ['get', '/v1/dashboard'],
    ['get', '/metrics'],
    ['get', '/health/live'],
    ['get', '/health/ready'],
    ['get', '/openapi.json'],
    ['get', '/'],
    ['get', '/assets/{file}'],
  ] as const;

  it('describes every route the server has, and only those', async () => {
    const doc = (await call('GET', '/openapi.json')).json as { openapi: string; paths: Record<string, Record<string, { parameters: Array<{ name: string }>; requestBody?: unknown }>> };
    assert.equal(doc.openapi, '3.1.0');
    const described = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    assert.deepEqual(described.sort(), routes.map(([m, p]) => `${m} ${p}`).sort());
    for (const [method, path] of routes) {
      const url = path.replace(/\{(\w+)\}/g, ':$1');
      assert.ok(server.app.hasRoute({ method: method.toUpperCase() as 'GET', url }), `${method} ${url} is a real route`);
    }
    assert.deepEqual(doc.paths['/v1/ns/{namespace}/keys/{key}']?.get?.parameters.map((p) => p.name).sort(), ['class', 'key', 'namespace']);
    assert.ok(doc.paths['/v1/ns/{namespace}/keys/{key}']?.put?.requestBody !== undefined);
    assert.equal(doc.paths['/v1/semantic/{namespace}/lookup'], undefined, 'no semantic routes without a handler');
  });
});

describe('semantic routes', () => {
  it('exist only with a handler, and pass requests to it', async () => {
    assert.equal((await call('POST', '/v1/semantic/docs/lookup', { query: 'hi' })).status, 404);
    const stored = new Map<string, unknown>();
    const handler: SemanticHandler = {
      async lookup(request) {
        const key = `${request.namespace}|${request.query.toLowerCase()}`;
        return stored.has(key) ? { hit: true, value: stored.get(key), similarity: 1, matchedQuery: request.query } : { hit: false };
      },
      async store(request) {
        stored.set(`${request.namespace}|${request.query.toLowerCase()}`, request.value);
      },
    };
    const semanticCache = createStrata({ l3: false });
    const other = createServer({ cache: semanticCache, port: 0, semantic: handler });
    const url = await other.listen();
    try {
      const post = (path: string, body: unknown) => fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal((await post('/v1/semantic/docs/store', { query: 'What is Strata?', value: 'a cache' })).status, 204);
      assert.deepEqual(await (await post('/v1/semantic/docs/lookup', { query: 'what is strata?' })).json(), { hit: true, value: 'a cache', similarity: 1, matchedQuery: 'what is strata?' });
      assert.equal((await post('/v1/semantic/docs/lookup', { query: 42 })).status, 400);
      const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
      assert.ok('/v1/semantic/{namespace}/lookup' in doc.paths && '/v1/semantic/{namespace}/store' in doc.paths);
    } finally {
      await other.close();
      await semanticCache.close();
    }
  });
});
