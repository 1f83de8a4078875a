import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { compileGlob } from '../src/tiers/glob.js';
import { ErrorCode, isStrataError } from '../src/errors.js';

const matches = (pattern: string, key: string): boolean => compileGlob(pattern).regExp.test(key);

describe('Redis-style glob patterns', () => {
  it('matches * as any run of characters, including none and colons', () => {
    assert.ok(matches('s:ns:*', 's:ns:'));
    assert.ok(matches('s:ns:*', 's:ns:llm:key:with:colons'));
    assert.ok(matches('*:emb:*', 's:ns:emb:k'));
    assert.ok(!matches('s:ns:*', 's:other:k'));
    assert.ok(matches('*', 'line\nbreak'));
  });

  it('matches ? as exactly one character', () => {
    assert.ok(matches('k?', 'k1'));
    assert.ok(!matches('k?', 'k'));
    assert.ok(!matches('k?', 'k12'));
  });

  it('matches character sets, ranges and negated sets', () => {
    assert.ok(matches('h[ae]llo', 'hallo'));
    assert.ok(!matches('h[ae]llo', 'hillo'));
    assert.ok(matches('v[0-9]', 'v7'));
    assert.ok(matches('v[9-0]', 'v7'), 'reversed ranges work as in Redis');
    assert.ok(matches('h[^e]llo', 'hallo'));
    assert.ok(!matches('h[^e]llo', 'hello'));
    assert.ok(!matches('a[]b', 'ab') && !matches('a[]b', 'a]b'), '[] matches nothing, as in Redis');
    assert.ok(matches('a[^]b', 'axb'), '[^] matches any character');
  });

  it('treats regular-expression characters and escaped glob characters literally', () => {
    assert.ok(matches('price.(usd)+$', 'price.(usd)+$'));
    assert.ok(!matches('price.usd', 'priceXusd'));
    assert.ok(matches('literal\\*star', 'literal*star'));
    assert.ok(!matches('literal\\*star', 'literalXstar'));
    assert.ok(matches('open[ab', 'openb') && !matches('open[ab', 'open[ab'), 'an unclosed [ runs to the end');
  });

  it('reports the literal prefix every match starts with', () => {
    assert.equal(compileGlob('s:ns:llm:*').literalPrefix, 's:ns:llm:');
    assert.equal(compileGlob('s:n?:*').literalPrefix, 's:n');
    assert.equal(compileGlob('*x').literalPrefix, '');
    assert.equal(compileGlob('a\\*b*').literalPrefix, 'a*b');
    assert.equal(compileGlob('exact').literalPrefix, 'exact');
  });

  it('refuses an empty pattern', () => {
    assert.throws(() => compileGlob(''), (err) => isStrataError(err, ErrorCode.INVALID_KEY));
  });
});

describe('glob patterns against a real Redis server', () => {
  it('select the same keys as Redis KEYS for random patterns', async () => {
    const port = await freePort();
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await new Promise<void>((resolve, reject) => {
        let output = '';
        server.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('Ready to accept connections')) resolve();
        });
        server.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
      });
      await redis.connect();
      const alphabet = ['a', 'b', ':', '-', ']', '[', '^', '?', '*', '\\'];
      const keys = fc.sample(fc.string({ unit: fc.constantFrom('a', 'b', ':', '-', ']', '[', '^'), minLength: 1, maxLength: 5 }), {
        numRuns: 300,
        seed: 7,
      });
      const uniqueKeys = [...new Set(keys)];
      await redis.mset(...uniqueKeys.flatMap((k) => [k, '1']));
      const patterns = fc.sample(fc.string({ unit: fc.constantFrom(...alphabet), minLength: 1, maxLength: 6 }), { numRuns: 300, seed: 11 });
      for (const pattern of patterns) {
        const expected = (await redis.keys(pattern)).sort();
        const glob = compileGlob(pattern);
        const actual = uniqueKeys.filter((k) => glob.regExp.test(k)).sort();
        assert.deepEqual(actual, expected, `pattern ${JSON.stringify(pattern)}`);
        for (const key of actual) assert.ok(key.startsWith(glob.literalPrefix), `prefix of ${pattern}`);
      }
    } finally {
      redis.disconnect();
      server.kill();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
