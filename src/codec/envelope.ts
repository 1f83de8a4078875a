import { ErrorCode, isStrataError, StrataError } from '../errors.js';
import type { Entry } from './entry.js';
import {
  CodecId,
  type CompressedCodecName,
  compressorNamed,
  compressorWithId,
  DEFAULT_CODEC,
  MAX_PAYLOAD_BYTES,
} from './compression.js';
import { deserializeValue, serializeValue } from './serializer.js';

/**
 * The envelope layout, version 1 (all numbers little-endian):
 * ```
 * u8   header        format version << 4 | codec id
 * f64  createdAt
 * f64  expiresAt     Infinity = never
 * f64  staleUntil
 * u16  tag count, then per tag: u16 byte length + UTF-8 bytes
 * version 2 only: u16 extension length + that many bytes (fields added later; a reader skips what it does not know)
 * codec none:  the msgpack payload
 * otherwise:   u32 payload length before compression, then the compressed payload
 * ```
 * A release reads every version up to LATEST_FORMAT_VERSION and writes FORMAT_VERSION unless told otherwise: a new
 * version is first shipped readable, and written only once every instance reads it (docs/rolling-deploys.md).
 */
export const FORMAT_VERSION = 1;

/** The newest format this release reads (and writes when `formatVersion` asks for it). */
export const LATEST_FORMAT_VERSION = 2;

/** The formats this release can write. */
export type FormatVersion = 1 | 2;

export interface EncodeOptions {
  /** Payloads at or above this many bytes are compressed (if that saves at least ~10%). 0 disables compression. */
  compressionThreshold: number;
  /** The codec for payloads above the threshold; defaults to `DEFAULT_CODEC` (see docs/adr-001-compression.md). */
  codec?: CompressedCodecName;
  /** The format to write; default FORMAT_VERSION. */
  formatVersion?: FormatVersion;
}

/** Compressing must save at least this share of the payload, or it is stored as is (cheaper to decode). */
const MIN_SAVING = 0.1;
const FIXED_HEADER_BYTES = 1 + 8 * 3 + 2;
const MAX_TAGS = 0xffff;
const MAX_TAG_BYTES = 0xffff;
/** The tags of every untagged entry: one shared array, as most entries have none and a read allocates less. */
const NO_TAGS: readonly string[] = Object.freeze([]);

function isTypedArrayValue(value: unknown): boolean {
  // Embeddings: float bytes barely compress (ADR 001), so trying is wasted CPU.
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

function encodeTags(tags: readonly string[]): Buffer[] {
  if (!Array.isArray(tags)) {
    throw new StrataError(ErrorCode.NOT_SERIALIZABLE, 'Entry tags must be an array of strings.', { details: { path: 'tags' } });
  }
  if (tags.length > MAX_TAGS) {
    throw new StrataError(ErrorCode.NOT_SERIALIZABLE, `An entry has ${tags.length} tags; at most ${MAX_TAGS} are allowed.`, {
      details: { path: 'tags' },
    });
  }
  return tags.map((tag, i) => {
    if (typeof tag !== 'string') {
      throw new StrataError(ErrorCode.NOT_SERIALIZABLE, `Tag tags[${i}] is a ${typeof tag}; tags must be strings.`, {
        details: { path: `tags[${i}]` },
      });
    }
    const bytes = Buffer.from(tag, 'utf8');
    if (bytes.length > MAX_TAG_BYTES) {
      throw new StrataError(ErrorCode.NOT_SERIALIZABLE, `Tag tags[${i}] is ${bytes.length} bytes; at most ${MAX_TAG_BYTES}.`, {
        details: { path: `tags[${i}]` },
      });
    }
    return bytes;
  });
}

/**
 * One binary blob holding the entry: times, tags and the msgpack payload, compressed when it is large enough and
 * compression pays.
 * @throws StrataError NOT_SERIALIZABLE
 */
export function encodeEntry(entry: Entry, options: EncodeOptions): Uint8Array {
  const payload = serializeValue(entry.value);
  let codecId: number = CodecId.none;
  let body: Uint8Array = payload;
  const threshold = options.compressionThreshold;
  if (threshold > 0 && payload.length >= threshold && !isTypedArrayValue(entry.value)) {
    const compressor = compressorNamed(options.codec ?? DEFAULT_CODEC);
    const compressed = compressor.compress(payload);
    if (compressed.length + 4 <= payload.length * (1 - MIN_SAVING)) {
      codecId = compressor.id;
      body = compressed;
    }
  }
  const tags = encodeTags(entry.tags);
  const version = options.formatVersion ?? FORMAT_VERSION;
  let size = FIXED_HEADER_BYTES + body.length + (codecId === CodecId.none ? 0 : 4) + (version >= 2 ? 2 : 0);
  for (const tag of tags) size += 2 + tag.length;

  const out = Buffer.allocUnsafe(size);
  let at = out.writeUInt8((version << 4) | codecId, 0);
  at = out.writeDoubleLE(entry.createdAt, at);
  at = out.writeDoubleLE(entry.expiresAt, at);
  at = out.writeDoubleLE(entry.staleUntil, at);
  at = out.writeUInt16LE(tags.length, at);
  for (const tag of tags) {
    at = out.writeUInt16LE(tag.length, at);
    at += tag.copy(out, at);
  }
  if (version >= 2) at = out.writeUInt16LE(0, at);
  if (codecId !== CodecId.none) at = out.writeUInt32LE(payload.length, at);
  out.set(body, at);
  return out;
}

function decodeFailed(reason: string, cause?: unknown): StrataError {
  return new StrataError(
    ErrorCode.DECODE_FAILED,
    `Stored bytes are not a Strata entry this release can read (${reason}); the entry should be deleted and recomputed.`,
    cause === undefined ? {} : { cause },
  );
}

/**
 * An entry written by a newer release during a rolling deploy: a miss here, and left in place for the instances that
 * read it (never deleted as corrupt).
 */
function newerFormat(version: number): StrataError {
  return new StrataError(ErrorCode.DECODE_FAILED, `the entry is in format version ${version}, written by a newer release; this release reads up to ${LATEST_FORMAT_VERSION}`, {
    details: { newerFormat: version },
  });
}

/** Whether a DECODE_FAILED error is an entry of a newer release rather than bad bytes. */
export function isNewerFormat(error: unknown): boolean {
  return isStrataError(error, ErrorCode.DECODE_FAILED) && typeof error.details?.newerFormat === 'number';
}

function need(bytes: Buffer, at: number, count: number, what: string): void {
  if (at + count > bytes.length) throw decodeFailed(`truncated in the ${what}`);
}

/**
 * The entry inside an envelope written by this or an earlier release, whatever codec it names.
 * @throws StrataError DECODE_FAILED, and nothing else
 */
export function decodeEntry(bytes: Uint8Array): Entry {
  try {
    return decodeUnchecked(bytes);
  } catch (err) {
    if (isStrataError(err, ErrorCode.DECODE_FAILED)) throw err;
    throw decodeFailed('unexpected decoder error', err);
  }
}

function decodeUnchecked(bytes: Uint8Array): Entry {
  if (!(bytes instanceof Uint8Array)) throw decodeFailed('not a byte array');
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  need(buf, 0, FIXED_HEADER_BYTES, 'header');
  const header = buf.readUInt8(0);
  const version = header >> 4;
  const codecId = header & 0x0f;
  if (version > LATEST_FORMAT_VERSION) throw newerFormat(version);
  if (version < 1) throw decodeFailed(`format version ${version}, this release reads 1 to ${LATEST_FORMAT_VERSION}`);
  const compressor = compressorWithId(codecId);
  if (codecId !== CodecId.none && compressor === undefined) throw decodeFailed(`unknown codec id ${codecId}`);

  const createdAt = buf.readDoubleLE(1);
  const expiresAt = buf.readDoubleLE(9);
  const staleUntil = buf.readDoubleLE(17);
  const tagCount = buf.readUInt16LE(25);
  let at = FIXED_HEADER_BYTES;
  let tags = NO_TAGS;
  if (tagCount > 0) {
    const list: string[] = [];
    for (let i = 0; i < tagCount; i++) {
      need(buf, at, 2, 'tags');
      const length = buf.readUInt16LE(at);
      at += 2;
      need(buf, at, length, 'tags');
      list.push(buf.toString('utf8', at, at + length));
      at += length;
    }
    tags = list;
  }
  if (version >= 2) {
    need(buf, at, 2, 'extension length');
    at += 2 + buf.readUInt16LE(at);
    need(buf, at, 0, 'extension');
  }

  if (compressor === undefined) {
    // Read in place: a `subarray` per read is measurable on the L2 hit path.
    if (at >= buf.length) throw decodeFailed('empty payload');
    return { value: deserializePayload(buf, at), createdAt, expiresAt, staleUntil, tags };
  }
  let payload: Uint8Array;
  {
    need(buf, at, 4, 'payload length');
    const rawLength = buf.readUInt32LE(at);
    at += 4;
    if (rawLength > MAX_PAYLOAD_BYTES) throw decodeFailed(`declared payload of ${rawLength} bytes`);
    try {
      payload = compressor.decompress(buf.subarray(at), rawLength);
    } catch (err) {
      throw decodeFailed(`${compressor.name} payload does not decompress`, err);
    }
  }
  if (payload.length === 0) throw decodeFailed('empty payload');
  return { value: deserializePayload(payload, 0), createdAt, expiresAt, staleUntil, tags };
}

function deserializePayload(bytes: Uint8Array, start: number): unknown {
  try {
    return deserializeValue(bytes, start);
  } catch (err) {
    throw decodeFailed('payload is not valid msgpack', err);
  }
}

/** The part of an envelope that says what the entry holds (tags and payload), without its times: equal for equal values. */
export function entryContent(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(FIXED_HEADER_BYTES - 2);
}

/**
 * The size an envelope would have uncompressed: what the value weighs once decoded, for memory accounting and
 * `maxEntryBytes`. Reads only the header; the bytes must come from `encodeEntry`.
 */
export function uncompressedSize(bytes: Uint8Array): number {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if ((buf.readUInt8(0) & 0x0f) === CodecId.none) return buf.length;
  let at = FIXED_HEADER_BYTES - 2;
  const tagCount = buf.readUInt16LE(at);
  at += 2;
  for (let i = 0; i < tagCount; i++) at += 2 + buf.readUInt16LE(at);
  if (buf.readUInt8(0) >> 4 >= 2) at += 2 + buf.readUInt16LE(at);
  const rawPayload = buf.readUInt32LE(at);
  return at + rawPayload;
}
