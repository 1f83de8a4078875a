import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeEntry, encodeEntry, FORMAT_VERSION } from '../src/codec/envelope.js';
import type { CompressedCodecName } from '../src/codec/compression.js';
import type { Entry } from '../src/codec/entry.js';
import { ErrorCode, isStrataError } from '../src/errors.js';

/** A fixed seed keeps CI reproducible; STRATA_FUZZ_SEED explores others. */
const seed = Number(process.env.STRATA_FUZZ_SEED ?? 20251122);
const runs = (n: number) => ({ seed, numRuns: n });
const codecs: CompressedCodecName[] = ['lz4', 'deflate', 'brotli'];

/** Decoding may succeed (random bytes can be a valid envelope) but may only ever throw DECODE_FAILED. */
function decodesOrFailsCleanly(bytes: Uint8Array): void {
  try {
    const entry = decodeEntry(bytes);
    assert.equal(typeof entry.createdAt, 'number');
    assert.ok(Array.isArray(entry.tags));
  } catch (err) {
    if (!isStrataError(err, ErrorCode.DECODE_FAILED)) {
      assert.fail(`decodeEntry threw ${String(err)} for ${Buffer.from(bytes).toString('hex').slice(0, 200)}`);
    }
  }
}

/** msgpack has a single zero: -0 comes back as 0 (documented in docs/adr-001-compression.md). */
function withoutNegativeZero(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(withoutNegativeZero);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutNegativeZero(v)]));
  }
  return value;
}

const time = fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.constant(Infinity));
const tags = fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 });
const entryOf = (value: unknown) =>
  fc.record({ createdAt: time, expiresAt: time, staleUntil: time, tags }).map((t): Entry => ({ ...t, value }));

/** Long repetitive text so that payloads cross the threshold and actually compress. */
const compressible = fc
  .tuple(fc.array(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 50, max: 400 }))
  .map(([words, count]) => ({ answer: Array.from({ length: count }, (_, i) => words[i % words.length]).join(' ') }));

const envelope = fc
  .tuple(fc.oneof(fc.jsonValue({ maxDepth: 3 }), compressible), fc.constantFrom(...codecs), fc.constantFrom(0, 64, 1024))
  .chain(([value, codec, compressionThreshold]) =>
    entryOf(value).map((entry) => encodeEntry(entry, { compressionThreshold, codec })),
  );

describe('decodeEntry under fuzzing', { timeout: 120_000 }, () => {
  it('throws only DECODE_FAILED on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), decodesOrFailsCleanly), runs(5000));
  });

  it('throws only DECODE_FAILED on random bytes behind a valid header byte', () => {
    const header = fc.integer({ min: 0, max: 15 }).map((codec) => (FORMAT_VERSION << 4) | codec);
    fc.assert(
      fc.property(header, fc.uint8Array({ minLength: 27, maxLength: 600 }), (first, rest) => {
        const bytes = Uint8Array.from(rest);
        bytes[0] = first;
        bytes[25] = rest[25]! & 3;
        bytes[26] = 0;
        decodesOrFailsCleanly(bytes);
      }),
      runs(5000),
    );
  });

  it('throws only DECODE_FAILED on valid envelopes with flipped bits', () => {
    fc.assert(
      fc.property(envelope, fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), (bytes, flips) => {
        const damaged = Uint8Array.from(bytes);
        for (const flip of flips) {
          const bit = flip % (damaged.length * 8);
          damaged[bit >> 3] = damaged[bit >> 3]! ^ (1 << (bit & 7));
        }
        decodesOrFailsCleanly(damaged);
      }),
      runs(3000),
    );
  });

  it('throws only DECODE_FAILED on truncated or extended valid envelopes', () => {
    fc.assert(
      fc.property(envelope, fc.nat(), fc.uint8Array({ maxLength: 16 }), (bytes, cut, tail) => {
        const length = cut % bytes.length;
        assert.throws(() => decodeEntry(bytes.subarray(0, length)), (err) => isStrataError(err, ErrorCode.DECODE_FAILED));
        decodesOrFailsCleanly(Buffer.concat([bytes, tail]));
      }),
      runs(1500),
    );
  });
});

describe('encodeEntry/decodeEntry round trip', { timeout: 120_000 }, () => {
  it('returns the same entry for JSON-like values, with and without compression', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), compressible).chain(entryOf),
        fc.constantFrom(...codecs),
        fc.constantFrom(0, 1, 256, 1024),
        (entry, codec, compressionThreshold) => {
          const back = decodeEntry(encodeEntry(entry, { compressionThreshold, codec }));
          assert.deepEqual(back, { ...entry, value: withoutNegativeZero(entry.value) });
        },
      ),
      runs(1000),
    );
  });

  it('returns the same values for dates, bytes, embeddings, maps, sets and big integers', () => {
    const rich = fc.letrec((tie) => ({
      leaf: fc.oneof(
        fc.string(),
        fc.integer(),
        fc.double({ noNaN: false }).filter((n) => !Object.is(n, -0)),
        fc.boolean(),
        fc.constant(null),
        fc.date({ noInvalidDate: true }),
        fc.uint8Array({ maxLength: 64 }),
        fc.float32Array({ maxLength: 64 }).map((a) => a.map((x) => (Object.is(x, -0) ? 0 : x))),
        fc.bigInt(),
      ),
      node: fc.oneof(
        { depthSize: 'small' },
        tie('leaf'),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__'), tie('node'), {
          maxKeys: 4,
          noNullPrototype: true,
        }),
        fc.array(fc.tuple(fc.oneof(fc.string(), fc.integer()), tie('node')), { maxLength: 3 }).map((pairs) => new Map(pairs)),
        fc.uniqueArray(fc.oneof(fc.string(), fc.integer()), { maxLength: 4 }).map((items) => new Set(items)),
      ),
    })).node;
    fc.assert(
      fc.property(rich.chain(entryOf), fc.constantFrom(0, 128), (entry, compressionThreshold) => {
        assert.deepEqual(decodeEntry(encodeEntry(entry, { compressionThreshold })), entry);
      }),
      runs(1000),
    );
  });
});
