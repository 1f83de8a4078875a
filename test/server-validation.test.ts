import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createStrata, ErrorCode, StrataError, type Strata } from '../src/index.js';
import { createServer, type StrataServer } from '../src/server/index.js';

const TOKEN = 'test-token-0123456789abcdef';
const BODY_LIMIT = 4096;
let cache: Strata;
let server: StrataServer;
let base = '';

before(async () => {
  cache = createStrata({ l3: false });
  server = createServer({ cache, port: 0, token: TOKEN, limits: { bodyLimit: BODY_LIMIT, maxKeyBytes: 64, maxBatch: 10, maxTags: 4 }, namespaces: ['app', 'other'] });
  base = await server.listen();
  const seeded = await send('PUT', '/v1/ns/app/keys/keep', { value: { precious: true }, tags: ['t'] });
  assert.equal(seeded.status, 204);
});
after(async () => {
  await server.close();
  await cache.close();
});

interface Sent {
  status: number;
  body: unknown;
}

async function send(method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }): Promise<Sent> {
  const raw = typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body);
  const response = await fetch(base + path, { method, headers: raw === undefined ? headers : { 'content-type': 'application/json', ...headers }, body: raw });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // a non-JSON body fails the assertion below with the text in the message
  }
  return { status: response.status, body: parsed };
}

function assertJsonError(sent: Sent, status: number, what: string): void {
  assert.equal(sent.status, status, `${what}: got ${sent.status} ${JSON.stringify(sent.body)}`);
  const error = (sent.body as { error?: { code?: unknown; message?: unknown } }).error;
  assert.equal(typeof error?.code, 'string', `${what}: error.code in ${JSON.stringify(sent.body)}`);
  assert.ok(typeof error?.message === 'string' && error.message.length > 0, `${what}: error.message`);
}

async function assertNothingLost(): Promise<void> {
  const kept = await send('GET', '/v1/ns/app/keys/keep');
  assert.deepEqual(kept, { status: 200, body: { key: 'keep', value: { precious: true } } });
}

const longKey = 'k'.repeat(65);
const multiByteKey = 'é'.repeat(40);
const big = 'x'.repeat(BODY_LIMIT + 100);

/** [what, method, path, body, expected status] — every route, several ways of getting it wrong. */
const BAD: Array<[string, string, string, unknown, number]> = [
  ['set without value', 'PUT', '/v1/ns/app/keys/keep', { ttl: 5 }, 400],
  ['set with a boolean ttl', 'PUT', '/v1/ns/app/keys/keep', { value: 1, ttl: true }, 400],
  ['set with a negative ttl', 'PUT', '/v1/ns/app/keys/keep', { value: 1, ttl: -1 }, 400],
  ['set with a nonsense ttl string', 'PUT', '/v1/ns/app/keys/keep', { value: 1, ttl: 'soon' }, 400],
  ['set with numeric tags', 'PUT', '/v1/ns/app/keys/keep', { value: 1, tags: [1, 2] }, 400],
  ['set with too many tags', 'PUT', '/v1/ns/app/keys/keep', { value: 1, tags: ['a', 'b', 'c', 'd', 'e'] }, 400],
  ['set with an unknown field', 'PUT', '/v1/ns/app/keys/keep', { value: 1, colour: 'red' }, 400],
  ['set with an array body', 'PUT', '/v1/ns/app/keys/keep', [1, 2], 400],
  ['set with malformed JSON', 'PUT', '/v1/ns/app/keys/keep', '{"value": ', 400],
  ['set with an oversized body', 'PUT', '/v1/ns/app/keys/keep', { value: big }, 413],
  ['set with an unknown class', 'PUT', '/v1/ns/app/keys/keep?class=nope', { value: 1 }, 400],
  ['set with a bad class name', 'PUT', '/v1/ns/app/keys/keep?class=a%20b', { value: 1 }, 400],
  ['set with an unknown query parameter', 'PUT', '/v1/ns/app/keys/keep?ttl=5', { value: 1 }, 400],
  ['set with a key over the limit', 'PUT', `/v1/ns/app/keys/${longKey}`, { value: 1 }, 400],
  ['set with a key over the limit in bytes', 'PUT', `/v1/ns/app/keys/${encodeURIComponent(multiByteKey)}`, { value: 1 }, 400],
  ['set in a namespace with a space', 'PUT', '/v1/ns/a%20b/keys/keep', { value: 1 }, 400],
  ['set in a namespace with a star', 'PUT', '/v1/ns/a*b/keys/keep', { value: 1 }, 400],
  ['set in a namespace not served', 'PUT', '/v1/ns/elsewhere/keys/keep', { value: 1 }, 404],
  ['get in a namespace not served', 'GET', '/v1/ns/elsewhere/keys/keep', undefined, 404],
  ['get with a key over the limit', 'GET', `/v1/ns/app/keys/${longKey}`, undefined, 400],
  ['get with an unknown class', 'GET', '/v1/ns/app/keys/keep?class=nope', undefined, 400],
  ['delete with a bad namespace', 'DELETE', '/v1/ns/a%2Fb/keys/keep', undefined, 400],
  ['delete with an unknown class', 'DELETE', '/v1/ns/app/keys/keep?class=nope', undefined, 400],
  ['getMany with keys as a string', 'POST', '/v1/ns/app/get', { keys: 'keep' }, 400],
  ['getMany with no keys', 'POST', '/v1/ns/app/get', { keys: [] }, 400],
  ['getMany with too many keys', 'POST', '/v1/ns/app/get', { keys: Array.from({ length: 11 }, (_, i) => `k${i}`) }, 400],
  ['getMany with an empty key', 'POST', '/v1/ns/app/get', { keys: [''] }, 400],
  ['getMany with malformed JSON', 'POST', '/v1/ns/app/get', '{keys:[1]}', 400],
  ['setMany with an item missing its value', 'POST', '/v1/ns/app/set', { items: [{ key: 'keep', value: 2 }, { key: 'x' }] }, 400],
  ['setMany with a bad ttl in one item', 'POST', '/v1/ns/app/set', { items: [{ key: 'keep', value: 2 }, { key: 'x', value: 1, ttl: -5 }] }, 400],
  ['setMany with an oversized body', 'POST', '/v1/ns/app/set', { items: [{ key: 'keep', value: big }] }, 413],
  ['invalidate with nothing to invalidate', 'POST', '/v1/ns/app/invalidate', {}, 400],
  ['invalidate with keys as numbers', 'POST', '/v1/ns/app/invalidate', { keys: [1] }, 400],
  ['invalidate with an empty pattern', 'POST', '/v1/ns/app/invalidate', { pattern: '' }, 400],
  ['invalidate tags given as a string', 'POST', '/v1/invalidate/tags', { tags: 't' }, 400],
  ['invalidate an empty tag list', 'POST', '/v1/invalidate/tags', { tags: [] }, 400],
  ['invalidate an empty tag', 'POST', '/v1/invalidate/tags', { tags: [''] }, 400],
  ['clear a namespace not served', 'DELETE', '/v1/ns/elsewhere', undefined, 404],
  ['clear a namespace with a bad name', 'DELETE', `/v1/ns/${'n'.repeat(65)}`, undefined, 400],
  ['stats of a bad namespace', 'GET', '/v1/ns/a%20b/stats', undefined, 400],
  ['an unknown route', 'GET', '/v1/nothing-here', undefined, 404],
  ['an asset outside the list', 'GET', '/assets/..%2Fcreate.js', undefined, 400],
];

describe('bad input', () => {
  for (const [what, method, path, body, status] of BAD) {
    it(`answers ${status} with a JSON error: ${what}`, async () => {
      assertJsonError(await send(method, path, body), status, what);
      await assertNothingLost();
    });
  }

  it('answers 415 to a body that is not JSON', async () => {
    const response = await fetch(`${base}/v1/ns/app/keys/keep`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' }, body: 'value' });
    assertJsonError({ status: response.status, body: await response.json() }, 415, 'text/plain body');
    await assertNothingLost();
  });

  it('keeps serving after a burst of bad requests', async () => {
    await Promise.all(BAD.map(([, method, path, body]) => send(method, path, body)));
    assert.equal((await send('PUT', '/v1/ns/app/keys/after', { value: 'fine' })).status, 204);
    assert.deepEqual((await send('GET', '/v1/ns/app/keys/after')).body, { key: 'after', value: 'fine' });
    await assertNothingLost();
  });
});

describe('bearer token', () => {
  const routes: Array<[string, string, unknown]> = [
    ['GET', '/v1/ns/app/keys/keep', undefined],
    ['PUT', '/v1/ns/app/keys/keep', { value: 'overwritten' }],
    ['DELETE', '/v1/ns/app/keys/keep', undefined],
    ['POST', '/v1/ns/app/get', { keys: ['keep'] }],
    ['POST', '/v1/ns/app/set', { items: [{ key: 'keep', value: 0 }] }],
    ['POST', '/v1/ns/app/invalidate', { keys: ['keep'] }],
    ['POST', '/v1/invalidate/tags', { tags: ['t'] }],
    ['DELETE', '/v1/ns/app', undefined],
    ['GET', '/v1/ns/app/stats', undefined],
    ['GET', '/v1/stats', undefined],
    ['GET', '/v1/redis', undefined],
    ['GET', '/v1/dashboard', undefined],
    ['GET', '/metrics', undefined],
  ];
  for (const [method, path, body] of routes) {
    it(`refuses ${method} ${path} without the token or with a wrong one`, async () => {
      const missing = await send(method, path, body, {});
      assertJsonError(missing, 401, 'no token');
      assert.equal((missing.body as { error: { code: string } }).error.code, 'UNAUTHORIZED');
      assertJsonError(await send(method, path, body, { authorization: 'Bearer wrong-token-0123456789' }), 401, 'wrong token');
      assertJsonError(await send(method, path, body, { authorization: TOKEN }), 401, 'token without the Bearer scheme');
      await assertNothingLost();
    });
  }

  it('lets health checks, the dashboard page and the OpenAPI document through without a token', async () => {
    for (const path of ['/health/live', '/health/ready', '/', '/assets/dashboard.js', '/openapi.json']) {
      assert.equal((await fetch(base + path)).status, 200, path);
    }
  });
});

describe('startup checks', () => {
  it('refuses to serve a non-loopback address without a token', () => {
    assert.throws(
      () => createServer({ cache, host: '0.0.0.0', port: 0 }),
      (err: unknown) => err instanceof StrataError && err.code === ErrorCode.INVALID_OPTION && /without a token/.test(err.message),
    );
    assert.throws(() => createServer({ cache, host: '10.1.2.3', port: 0 }), StrataError);
  });

  it('accepts a non-loopback address with a token, and loopback addresses without one', () => {
    assert.doesNotThrow(() => createServer({ cache, host: '0.0.0.0', port: 0, token: TOKEN }));
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1']) assert.doesNotThrow(() => createServer({ cache, host, port: 0 }), host);
  });

  it('refuses a short token and bad limits', () => {
    assert.throws(() => createServer({ cache, token: 'short' }), /at least 16/);
    assert.throws(() => createServer({ cache, limits: { bodyLimit: -1 } }), /limits.bodyLimit/);
  });
});
