import { Packr, Unpackr } from 'msgpackr';
import { ErrorCode, StrataError } from '../errors.js';
import { findUnserializable } from './unserializable.js';

/** Thrown from msgpackr's function hook: msgpackr would otherwise store a function as `undefined`, silently. */
class FunctionFound extends Error {}

/**
 * msgpackr with:
 * - `moreTypes`: typed arrays (a `Float32Array` is written as its raw bytes and read back as a `Float32Array`),
 *   `Set`, `Error`, `RegExp` and BigInts of any size survive;
 * - records (the default): repeated object shapes, such as product lists, are written once per payload, and `Map`s
 *   come back as `Map`s. Every payload carries its own record definitions, so none depends on another.
 */
const packr = new Packr({
  moreTypes: true,
  writeFunction: () => {
    throw new FunctionFound();
  },
});

/**
 * The msgpack bytes of `value`. The fast path is msgpackr alone; only when it fails is the value walked to name the
 * offending field in the error.
 * @throws StrataError NOT_SERIALIZABLE
 */
export function serializeValue(value: unknown): Uint8Array {
  try {
    return packr.pack(value);
  } catch (err) {
    const problem = findUnserializable(value);
    const shownPath = problem === undefined || problem.path.length <= 120 ? problem?.path : `${problem.path.slice(0, 117)}...`;
    const where = problem === undefined ? '' : ` at ${shownPath}: ${problem.reason}`;
    const detail = problem === undefined ? (err instanceof Error ? `: ${err.message}` : '') : where;
    throw new StrataError(
      ErrorCode.NOT_SERIALIZABLE,
      `The value cannot be cached${detail}. Cache plain data (objects, arrays, strings, numbers, booleans, null, ` +
        'Date, Map, Set, Uint8Array, Float32Array…) and leave functions, symbols and cycles out.',
      { cause: err, details: problem === undefined ? {} : { path: problem.path, reason: problem.reason } },
    );
  }
}

/** A separate instance, so record definitions read from corrupt bytes can never leak into what `packr` writes. */
const unpackr = new Unpackr({ moreTypes: true });

/**
 * Where to read: one object reused by every call (unpacking is synchronous), so reading a payload inside a larger
 * buffer costs neither a `subarray` nor an options object.
 */
const range = { start: 0, end: 0 };

/**
 * The value in `bytes[start..]` (the whole of `bytes` by default). Throws whatever msgpackr throws on bad bytes; the
 * envelope turns that into DECODE_FAILED.
 */
export function deserializeValue(bytes: Uint8Array, start = 0): unknown {
  range.start = start;
  range.end = bytes.length;
  return unpackr.unpack(bytes, range);
}
