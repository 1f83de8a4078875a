import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEntry, encodeEntry, FORMAT_VERSION, LATEST_FORMAT_VERSION } from '../src/codec/envelope.js';
import { CodecId, type CompressedCodecName, DEFAULT_CODEC } from '../src/codec/compression.js';
import type { Entry } from '../src/codec/entry.js';
import { ErrorCode, isStrataError } from '../src/errors.js';

const entryOf = <V>(value: V, overrides: Partial<Entry<V>> = {}): Entry<V> => ({
  value,
  createdAt: 1_760_000_000_000,
  expiresAt: 1_760_000_060_000,
  staleUntil: 1_760_000_120_000,
  tags: ['product:42'],
  ...overrides,
});
const plain = { compressionThreshold: 0 };
const roundTrip = <V>(value: V, options = plain): unknown => decodeEntry(encodeEntry(entryOf(value), options)).value;
const prose = (bytes: number): string => {
  const words = ['the', 'cache', 'answer', 'product', 'laptop', 'battery', 'price', 'delivery', 'warranty', 'question'];
  let out = '';
  for (let i = 0; out.length < bytes; i++) out += words[(i * 7 + (i >> 3)) % words.length] + (i % 13 === 12 ? '. ' : ' ');
  return out;
};
const codecOf = (bytes: Uint8Array): number => (bytes[0] as number) & 0x0f;
const isDecodeFailed = (err: unknown): boolean => isStrataError(err, ErrorCode.DECODE_FAILED);
const notSerializableAt = (path: string) => (err: unknown) => {
  assert.ok(isStrataError(err, ErrorCode.NOT_SERIALIZABLE), `expected NOT_SERIALIZABLE, got ${String(err)}`);
  assert.ok((err as Error).message.includes(path), `message "${(err as Error).message}" should name ${path}`);
  assert.equal((err as { details?: { path?: string } }).details?.path, path);
  return true;
};

describe('entry envelope', () => {
  it('round-trips the times, tags and value of an entry', () => {
    const entry = entryOf({ answer: 'Sí, el envío es gratuito.', tokens: 12 }, { tags: ['product:42', 'tenant:ñandú', ''] });
    assert.deepEqual(decodeEntry(encodeEntry(entry, plain)), entry);
  });

  it('round-trips Infinity expiry and no tags', () => {
    const entry = entryOf('forever', { expiresAt: Infinity, staleUntil: Infinity, tags: [] });
    assert.deepEqual(decodeEntry(encodeEntry(entry, plain)), entry);
  });

  it('writes the format version in the high bits of the first byte', () => {
    assert.equal(encodeEntry(entryOf(1), plain)[0] as number >> 4, FORMAT_VERSION);
  });

  it('round-trips JSON-like values and the richer types it supports', () => {
    const values: unknown[] = [
      'text',
      '',
      'emoji 😀 and ñ',
      0,
      -1,
      3.14159,
      Number.MAX_SAFE_INTEGER,
      2 ** 60,
      Number.NaN,
      Infinity,
      -Infinity,
      true,
      false,
      null,
      undefined,
      [],
      {},
      [1, 'two', { three: [3, null, { four: true }] }],
      { nested: { deeply: { array: [{ a: 1 }, { a: 2, b: 'x' }] } } },
      { 'a key with spaces': 1, '': 2, constructor: 3 },
      new Date(1_760_000_000_000),
      new Uint8Array([0, 1, 255]),
      5n,
      2n ** 100n,
      -(2n ** 70n),
      new Set([1, 'a', { b: 2 }]),
      new Map<unknown, unknown>([
        ['a', 1],
        [2, { b: [3] }],
      ]),
      { when: new Date(0), list: [new Map([['k', 'v']])] },
    ];
    for (const value of values) assert.deepEqual(roundTrip(value), value, `value ${String(value)}`);
  });

  it('round-trips a Buffer as a Buffer', () => {
    const back = roundTrip(Buffer.from('bytes'));
    assert.ok(Buffer.isBuffer(back));
    assert.equal((back as Buffer).toString(), 'bytes');
  });

  it('stores a Float32Array embedding as raw bytes and returns a Float32Array', () => {
    const embedding = new Float32Array(1536).map((_, i) => Math.sin(i) * 0.1);
    const bytes = encodeEntry(entryOf(embedding), { compressionThreshold: 1 });
    assert.ok(bytes.length < 1536 * 4 + 64, `${bytes.length} bytes for 6144 bytes of floats`);
    assert.equal(codecOf(bytes), CodecId.none, 'float payloads are not compressed');
    const back = decodeEntry(bytes).value;
    assert.ok(back instanceof Float32Array);
    assert.deepEqual(back, embedding);
  });

  it('round-trips a Float32Array that views part of a larger buffer, and one nested in an object', () => {
    const big = new Float32Array([1, 2, 3, 4, 5, 6]);
    const view = big.subarray(1, 4);
    assert.deepEqual(roundTrip(view), new Float32Array([2, 3, 4]));
    const nested = roundTrip({ id: 'doc-1', vector: new Float32Array([0.5, -0.25]) }) as { vector: Float32Array };
    assert.ok(nested.vector instanceof Float32Array);
    assert.deepEqual(nested.vector, new Float32Array([0.5, -0.25]));
  });

  it('decodes an envelope that is a slice of a larger buffer, as a Redis reply is, whatever it holds', () => {
    const values: unknown[] = [Buffer.from('bytes'), 'text', { answer: 'yes', n: [1, 2] }, new Float32Array([0.5, 1.5])];
    for (const value of values) {
      const envelope = encodeEntry(entryOf(value, { tags: [] }), plain);
      const chunk = Buffer.alloc(envelope.length + 64, 0xc1);
      chunk.set(envelope, 32);
      const entry = decodeEntry(chunk.subarray(32, 32 + envelope.length));
      assert.deepEqual(entry.value, value);
      assert.deepEqual(entry.tags, []);
      assert.throws(() => decodeEntry(chunk.subarray(32, 32 + envelope.length + 1)), isDecodeFailed, 'a trailing byte is not ignored');
    }
  });

  it('stores class instances as their own fields (methods are not stored)', () => {
    class Product {
      constructor(
        readonly id: number,
        readonly name: string,
      ) {}
      label(): string {
        return `${this.id} ${this.name}`;
      }
    }
    assert.deepEqual(roundTrip(new Product(1, 'laptop')), { id: 1, name: 'laptop' });
  });
});

describe('adaptive compression', () => {
  it('compresses a large compressible payload with the default codec', () => {
    const entry = entryOf({ answer: prose(8000) });
    const raw = encodeEntry(entry, plain);
    const compressed = encodeEntry(entry, { compressionThreshold: 1024 });
    assert.equal(codecOf(raw), CodecId.none);
    assert.equal(codecOf(compressed), CodecId[DEFAULT_CODEC]);
    assert.ok(compressed.length < raw.length * 0.7, `${compressed.length} vs ${raw.length}`);
    assert.deepEqual(decodeEntry(compressed), entry);
  });

  it('leaves payloads under the threshold uncompressed', () => {
    const bytes = encodeEntry(entryOf({ answer: prose(800) }), { compressionThreshold: 1024 });
    assert.equal(codecOf(bytes), CodecId.none);
  });

  it('stores incompressible payloads as they are', () => {
    const noise = new Uint8Array(4096).map(() => Math.floor(Math.random() * 256));
    const bytes = encodeEntry(entryOf({ blob: noise }), { compressionThreshold: 1024 });
    assert.equal(codecOf(bytes), CodecId.none);
    assert.deepEqual((decodeEntry(bytes).value as { blob: Uint8Array }).blob, noise);
  });

  it('decodes every codec this release knows, whichever is the default', () => {
    const entry = entryOf({ answer: prose(6000), tags: ['a'] });
    for (const codec of ['lz4', 'deflate', 'brotli'] as CompressedCodecName[]) {
      const bytes = encodeEntry(entry, { compressionThreshold: 100, codec });
      assert.equal(codecOf(bytes), CodecId[codec], codec);
      assert.deepEqual(decodeEntry(bytes), entry, codec);
    }
  });
});

describe('decodeEntry on bad bytes', () => {
  const valid = encodeEntry(entryOf({ answer: prose(3000) }), { compressionThreshold: 1024 });

  it('rejects an unknown format version', () => {
    const bytes = Uint8Array.from(valid);
    bytes[0] = ((LATEST_FORMAT_VERSION + 1) << 4) | codecOf(valid);
    assert.throws(() => decodeEntry(bytes), (err) => isDecodeFailed(err) && /format version/.test((err as Error).message));
  });

  it('rejects an unknown codec id', () => {
    const bytes = Uint8Array.from(valid);
    bytes[0] = (FORMAT_VERSION << 4) | 0x0f;
    assert.throws(() => decodeEntry(bytes), (err) => isDecodeFailed(err) && /codec id 15/.test((err as Error).message));
  });

  it('rejects every truncation of a valid envelope', () => {
    for (let length = 0; length < valid.length; length++) {
      assert.throws(() => decodeEntry(valid.subarray(0, length)), isDecodeFailed, `truncated to ${length}`);
    }
  });

  it('rejects a compressed payload whose declared size is forged, without allocating it', () => {
    const tagsEnd = 1 + 24 + 2 + 2 + 'product:42'.length;
    const forged = Buffer.from(valid);
    forged.writeUInt32LE(0x7fffffff, tagsEnd);
    assert.throws(() => decodeEntry(forged), isDecodeFailed);
    const forgedInner = Buffer.from(valid);
    forgedInner.writeUInt32LE(0x0fffffff, tagsEnd + 4);
    assert.throws(() => decodeEntry(forgedInner), isDecodeFailed);
  });

  it('rejects garbage and non-byte input', () => {
    assert.throws(() => decodeEntry(Buffer.from('{"value": 1}')), isDecodeFailed);
    assert.throws(() => decodeEntry(new Uint8Array(40).fill(0x11)), isDecodeFailed);
    assert.throws(() => decodeEntry('text' as unknown as Uint8Array), isDecodeFailed);
  });
});

describe('values that cannot be stored', () => {
  const refuse = (value: unknown, path: string) =>
    assert.throws(() => encodeEntry(entryOf(value), plain), notSerializableAt(path));

  it('names the path of a nested function', () => {
    refuse({ items: [1, 2, 3, { fn: () => 1 }] }, 'value.items[3].fn');
    refuse(() => 1, 'value');
    refuse({ 'odd key': { f: function named() {} } }, 'value["odd key"].f');
  });

  it('names the path of a symbol', () => {
    refuse({ a: [Symbol('s')] }, 'value.a[0]');
  });

  it('names the path of a cycle', () => {
    const node: { name: string; children: unknown[] } = { name: 'root', children: [] };
    node.children.push({ parent: node });
    refuse(node, 'value.children[0].parent');
  });

  it('finds functions inside Maps and Sets', () => {
    refuse({ m: new Map([['k', { f: () => 0 }]]) }, 'value.m.get("k").f');
    refuse(new Set([1, () => 0]), 'value.values()[1]');
  });

  it('refuses class instances that carry functions as fields', () => {
    class Handler {
      onEvent = () => 'x';
    }
    refuse({ handler: new Handler() }, 'value.handler.onEvent');
  });

  it('refuses values nested too deeply to serialize', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.throws(() => encodeEntry(entryOf(deep), plain), (err) => isStrataError(err, ErrorCode.NOT_SERIALIZABLE));
  });

  it('refuses tags that are not strings', () => {
    assert.throws(
      () => encodeEntry(entryOf(1, { tags: ['ok', 7 as unknown as string] }), plain),
      notSerializableAt('tags[1]'),
    );
  });

  it('keeps a shared (non-cyclic) reference', () => {
    const shared = { id: 1 };
    assert.deepEqual(roundTrip({ a: shared, b: shared }), { a: { id: 1 }, b: { id: 1 } });
  });
});
