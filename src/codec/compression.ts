import {
  brotliCompressSync,
  brotliDecompressSync,
  constants as zlibConstants,
  deflateRawSync,
  inflateRawSync,
} from 'node:zlib';
import { compressSync as lz4CompressSync, uncompressSync as lz4UncompressSync } from 'lz4-napi';

/**
 * The compression codecs an envelope may name in the low bits of its header byte.
 * Ids are part of the stored format: never renumber or remove one, only add (see docs/adr-001-compression.md).
 */
export const CodecId = {
  none: 0,
  lz4: 1,
  deflate: 2,
  brotli: 3,
} as const;

export type CodecName = keyof typeof CodecId;
export type CompressedCodecName = Exclude<CodecName, 'none'>;

/** The codec used above the compression threshold unless the caller names another (chosen in ADR 001). */
export const DEFAULT_CODEC: CompressedCodecName = 'deflate';

/** The threshold chosen in ADR 001: under 1 KiB compression saves a few hundred bytes at most and costs a codec call. */
export const DEFAULT_COMPRESSION_THRESHOLD = 1024;

/** Larger payloads are refused on decode: no cache entry is this big, and a forged length must not allocate gigabytes. */
export const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;

/** LZ4 cannot expand data by more than ~255x, so a declared size beyond that is corrupt. */
const LZ4_MAX_RATIO = 256;

export interface Compressor {
  readonly id: number;
  readonly name: CompressedCodecName;
  compress(raw: Uint8Array): Uint8Array;
  /** `rawLength` comes from the envelope; output of any other length is corruption. */
  decompress(compressed: Uint8Array, rawLength: number): Uint8Array;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkedLength(out: Uint8Array, rawLength: number, name: string): Uint8Array {
  if (out.length !== rawLength) {
    throw new Error(`${name} produced ${out.length} bytes, the envelope declares ${rawLength}`);
  }
  return out;
}

const lz4: Compressor = {
  id: CodecId.lz4,
  name: 'lz4',
  compress: (raw) => lz4CompressSync(asBuffer(raw)),
  decompress(compressed, rawLength) {
    // lz4-napi prepends the raw size and allocates it before looking at the data: check it first.
    if (compressed.length < 4) throw new Error('lz4 block shorter than its size prefix');
    const declared = asBuffer(compressed).readUInt32LE(0);
    if (declared !== rawLength || declared > (compressed.length - 4) * LZ4_MAX_RATIO + 16) {
      throw new Error(`lz4 size prefix ${declared} does not match the envelope (${rawLength})`);
    }
    return checkedLength(lz4UncompressSync(asBuffer(compressed)), rawLength, 'lz4');
  },
};

const deflate: Compressor = {
  id: CodecId.deflate,
  name: 'deflate',
  compress: (raw) => deflateRawSync(raw, { level: 1 }),
  decompress: (compressed, rawLength) =>
    checkedLength(inflateRawSync(compressed, { maxOutputLength: Math.max(rawLength, 1) }), rawLength, 'deflate'),
};

const brotli: Compressor = {
  id: CodecId.brotli,
  name: 'brotli',
  compress: (raw) =>
    brotliCompressSync(raw, {
      params: {
        [zlibConstants.BROTLI_PARAM_QUALITY]: 3,
        [zlibConstants.BROTLI_PARAM_SIZE_HINT]: raw.length,
      },
    }),
  decompress: (compressed, rawLength) =>
    checkedLength(brotliDecompressSync(compressed, { maxOutputLength: Math.max(rawLength, 1) }), rawLength, 'brotli'),
};

const byName: Readonly<Record<CompressedCodecName, Compressor>> = { lz4, deflate, brotli };
const byId: ReadonlyArray<Compressor | undefined> = [undefined, lz4, deflate, brotli];

export function compressorNamed(name: CompressedCodecName): Compressor {
  return byName[name];
}

/** `undefined` for `none` (id 0) and for ids this release does not know. */
export function compressorWithId(id: number): Compressor | undefined {
  return byId[id];
}
