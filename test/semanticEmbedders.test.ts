import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isStrataError } from '../src/errors.js';
import { BatchingEmbedder } from '../src/semantic/batchingEmbedder.js';
import { dot, normaliseVector, type Embedder } from '../src/semantic/embedder.js';
import { HashingEmbedder } from '../src/semantic/hashingEmbedder.js';
import { OpenAiEmbedder } from '../src/semantic/openAiEmbedder.js';
import { TransformersEmbedder } from '../src/semantic/transformersEmbedder.js';
import { UseLiteEmbedder } from '../src/semantic/useLiteEmbedder.js';

interface Seen {
  auth: string | undefined;
  body: { model: string; input: string[] };
}

/** A stand-in OpenAI-compatible server on 127.0.0.1: vector i of a text is its char codes, reversed order in `data`. */
function startServer(seen: Seen[]): Promise<Server> {
  const server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as Seen['body'];
      seen.push({ auth: req.headers.authorization, body });
      if (req.url !== '/v1/embeddings') return void res.writeHead(404).end('not found');
      if (body.model === 'broken') return void res.writeHead(500).end('model crashed');
      if (body.model === 'slow') return void setTimeout(() => res.end('{}'), 2000);
      if (body.model === 'short') return void res.end(JSON.stringify({ data: [{ index: 0, embedding: [1] }] }));
      const data = body.input.map((text, index) => ({ index, embedding: [text.length, text.charCodeAt(0), 1] })).reverse();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ object: 'list', data }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('OpenAiEmbedder', () => {
  const seen: Seen[] = [];
  let server: Server;
  let baseUrl: string;
  before(async () => {
    server = await startServer(seen);
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => server.close());

  it('posts batches to /embeddings with the key and keeps the input order', async () => {
    seen.length = 0;
    const e = new OpenAiEmbedder({ baseUrl, model: 'm', dimensions: 3, apiKey: 'sk-test', maxBatch: 2 });
    const out = await e.embed(['a', 'bb', 'ccc']);
    assert.deepEqual(out.map((v) => [...v]), [[1, 97, 1], [2, 98, 1], [3, 99, 1]]);
    assert.deepEqual(seen.map((s) => s.body.input), [['a', 'bb'], ['ccc']]);
    assert.equal(seen[0]!.auth, 'Bearer sk-test');
    assert.equal(seen[0]!.body.model, 'm');
  });

  it('turns HTTP errors, timeouts, malformed answers and a bad URL into StrataErrors', async () => {
    await assert.rejects(new OpenAiEmbedder({ baseUrl, model: 'broken', dimensions: 3 }).embed(['x']), (e) => isStrataError(e, 'EMBEDDER_FAILED') && /500: model crashed/.test(e.message));
    await assert.rejects(new OpenAiEmbedder({ baseUrl, model: 'slow', dimensions: 3, timeoutMs: 100 }).embed(['x']), (e) => isStrataError(e, 'EMBEDDER_FAILED') && /timed out/.test(e.message));
    await assert.rejects(new OpenAiEmbedder({ baseUrl, model: 'short', dimensions: 3 }).embed(['x']), (e) => isStrataError(e, 'EMBEDDER_FAILED') && /malformed/.test(e.message));
    await assert.rejects(new OpenAiEmbedder({ baseUrl: 'http://127.0.0.1:1/v1', model: 'm', dimensions: 3 }).embed(['x']), (e) => isStrataError(e, 'EMBEDDER_FAILED'));
    assert.throws(() => new OpenAiEmbedder({ baseUrl: 'not a url', model: 'm', dimensions: 3 }), (e) => isStrataError(e, 'INVALID_OPTION'));
  });
});

describe('BatchingEmbedder', () => {
  it('coalesces concurrent calls in one tick into one call, each caller getting its own vectors', async () => {
    const calls: string[][] = [];
    const inner: Embedder = {
      id: 'rec',
      dimensions: 1,
      embed: (texts) => {
        calls.push([...texts]);
        return Promise.resolve(texts.map((t) => Float32Array.of(t.length)));
      },
    };
    const batching = new BatchingEmbedder(inner);
    const [a, b, c] = await Promise.all([batching.embed(['x']), batching.embed(['yy', 'x']), batching.embed(['zzz'])]);
    assert.deepEqual(calls, [['x', 'yy', 'zzz']]);
    assert.deepEqual([a, b, c].map((vs) => vs.map((v) => v[0])), [[1], [2, 1], [3]]);
    await batching.embed(['later']);
    assert.equal(calls.length, 2);
  });

  it('rejects every waiting caller when the inner embedder fails', async () => {
    const batching = new BatchingEmbedder({ id: 'x', dimensions: 1, embed: () => Promise.reject(new Error('down')) });
    const results = await Promise.allSettled([batching.embed(['a']), batching.embed(['b'])]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  });
});

describe('TransformersEmbedder', () => {
  it('explains how to install the optional package, or that the model directory is missing', async () => {
    const e = new TransformersEmbedder({ modelDirectory: '/nonexistent/model', dimensions: 384 });
    await assert.rejects(e.embed(['hola']), (err) => isStrataError(err, 'EMBEDDER_UNAVAILABLE') && /@huggingface\/transformers|\/nonexistent\/model/.test(err.message));
  });
});

describe('HashingEmbedder', () => {
  it('is deterministic and places shared words closer', async () => {
    const e = new HashingEmbedder({ dimensions: 64 });
    const [a, b, c, a2] = (await e.embed(['learn python fast', 'learn python quickly', 'bake bread', 'learn python fast'])).map(normaliseVector);
    assert.deepEqual(a, a2);
    assert.ok(dot(a!, b!) > dot(a!, c!));
  });
});

describe('UseLiteEmbedder (the real model, loaded from the npm package)', () => {
  it('embeds 3 sentences into 512 dimensions with paraphrases closest', async () => {
    const e = new UseLiteEmbedder();
    const [a, b, c] = (await e.embed(['How do I learn to cook?', 'What is the best way to learn cooking?', 'The stock market fell today.'])).map(normaliseVector);
    assert.equal(a!.length, 512);
    assert.ok(dot(a!, b!) > dot(a!, c!) + 0.1, `${dot(a!, b!)} vs ${dot(a!, c!)}`);
  });
});
