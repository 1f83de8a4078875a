import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ErrorCode, StrataError } from '../errors.js';
import { MemoryTier } from './memory.js';

/** `lines`: one key a line (integers compare by value; `*` and blank lines are skipped); `u32be`/`u64be`: fixed-size big-endian keys. */
export type TraceFormat = 'lines' | 'u32be' | 'u64be';

export const TRACE_FORMATS: readonly TraceFormat[] = ['lines', 'u32be', 'u64be'];

/** A key trace with keys renamed to dense ids 0..distinctKeys-1, in request order. */
export interface KeyTrace {
  requests: Int32Array;
  distinctKeys: number;
}

export interface TraceComparison {
  /** Hit ratio (0..1) of the W-TinyLFU policy. */
  policy: number;
  /** Hit ratio (0..1) of plain LRU at the same capacity. */
  lru: number;
  requests: number;
}

/**
 * Reads a key trace, decompressing `.gz` with node:zlib and `.xz` with the system's `xz -dc`.
 * The file is streamed: only the dense id array and the key → id map are held in memory.
 */
export async function readTrace(path: string, format: TraceFormat): Promise<KeyTrace> {
  try {
    await access(path, constants.R_OK);
  } catch (err) {
    throw new StrataError(ErrorCode.INVALID_INPUT, `cannot read trace file '${path}': check the path and its permissions`, {
      cause: err,
    });
  }
  const parser = format === 'lines' ? new LineParser() : new FixedWidthParser(format === 'u32be' ? 4 : 8);
  const source = open(path);
  try {
    for await (const chunk of source.stream) parser.push(chunk as Buffer);
    await source.done;
  } catch (err) {
    source.stream.destroy();
    if (err instanceof StrataError) throw err;
    throw new StrataError(ErrorCode.INVALID_INPUT, `cannot decode trace file '${path}': ${(err as Error).message}`, { cause: err });
  }
  return parser.finish(path);
}

/**
 * Replays `trace` through a `MemoryTier` of `capacity` entries (weight 1 each); a miss inserts the key. Returns the hit ratio.
 * `partition` names the tier partition, which seeds the frequency sketch's key hashes: replaying under several names
 * shows how much of a policy's figure is the luck of one hash seed.
 */
export function replayTrace(trace: KeyTrace, capacity: number, policy: 'tinylfu' | 'lru', partition = 'trace'): number {
  if (!Number.isSafeInteger(capacity) || capacity < 1) {
    throw new StrataError(ErrorCode.INVALID_OPTION, `trace capacity must be a positive integer, got ${String(capacity)}`);
  }
  const tier = new MemoryTier<boolean>({ maxBytes: capacity, maxEntryBytes: 1, policy });
  const cache = tier.partition(partition);
  const names = new Array<string>(trace.distinctKeys);
  for (let id = 0; id < names.length; id++) names[id] = String(id);
  const requests = trace.requests;
  let hits = 0;
  for (let i = 0; i < requests.length; i++) {
    const key = names[requests[i]!]!;
    if (cache.get(key) === undefined) cache.set(key, true, 1);
    else hits++;
  }
  return requests.length === 0 ? 0 : hits / requests.length;
}

/** Reads a trace file and returns the policy's and plain LRU's hit ratios at `capacity` entries. */
export async function compareOnTrace(path: string, format: TraceFormat, capacity: number): Promise<TraceComparison> {
  const trace = await readTrace(path, format);
  return {
    policy: replayTrace(trace, capacity, 'tinylfu'),
    lru: replayTrace(trace, capacity, 'lru'),
    requests: trace.requests.length,
  };
}

interface TraceSource {
  stream: Readable;
  /** Settles when the decompressor has exited (rejects if it failed). */
  done: Promise<void>;
}

function open(path: string): TraceSource {
  if (path.endsWith('.gz')) {
    return { stream: createReadStream(path).pipe(createGunzip()), done: Promise.resolve() };
  }
  if (!path.endsWith('.xz')) return { stream: createReadStream(path), done: Promise.resolve() };
  const child = spawn('xz', ['-dc', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr += text;
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'ENOENT'
          ? new StrataError(ErrorCode.INVALID_INPUT, `reading '${path}' needs the 'xz' program: install xz-utils (apt-get install xz-utils)`, {
              cause: err,
            })
          : err,
      );
    });
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new StrataError(ErrorCode.INVALID_INPUT, `xz could not decompress '${path}': ${stderr.trim() || `exit code ${String(code)}`}`));
    });
  });
  // The stream may end early when xz is missing; the rejection then reaches the caller through `done`.
  done.catch(() => undefined);
  return { stream: child.stdout, done };
}

/** Collects dense ids, interning each raw key the first time it appears. */
class IdCollector {
  private ids = new Int32Array(1 << 16);
  private count = 0;
  private readonly idsByKey = new Map<number | string, number>();

  add(key: number | string): void {
    let id = this.idsByKey.get(key);
    if (id === undefined) {
      id = this.idsByKey.size;
      this.idsByKey.set(key, id);
    }
    if (this.count === this.ids.length) {
      const bigger = new Int32Array(this.ids.length * 2);
      bigger.set(this.ids);
      this.ids = bigger;
    }
    this.ids[this.count++] = id;
  }

  result(): KeyTrace {
    return { requests: this.ids.slice(0, this.count), distinctKeys: this.idsByKey.size };
  }
}

interface TraceParser {
  push(chunk: Buffer): void;
  finish(path: string): KeyTrace;
}

const ASTERISK = 0x2a;
const NEWLINE = 0x0a;

/** Integer keys are parsed without building a string per line; other tokens are kept as strings. */
class LineParser implements TraceParser {
  private readonly collector = new IdCollector();
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let start = 0;
    let newline = data.indexOf(NEWLINE, start);
    while (newline !== -1) {
      this.line(data, start, newline);
      start = newline + 1;
      newline = data.indexOf(NEWLINE, start);
    }
    this.pending = data.subarray(start);
  }

  finish(): KeyTrace {
    if (this.pending.length > 0) this.line(this.pending, 0, this.pending.length);
    return this.collector.result();
  }

  private line(data: Buffer, from: number, to: number): void {
    let start = from;
    let end = to;
    while (start < end && isSpace(data[start]!)) start++;
    while (end > start && isSpace(data[end - 1]!)) end--;
    if (start === end) return;
    if (end - start === 1 && data[start] === ASTERISK) return;
    let value = 0;
    let numeric = end - start <= 15;
    for (let i = start; numeric && i < end; i++) {
      const digit = data[i]! - 0x30;
      if (digit < 0 || digit > 9) numeric = false;
      else value = value * 10 + digit;
    }
    this.collector.add(numeric ? value : data.toString('utf8', start, end));
  }
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d;
}

class FixedWidthParser implements TraceParser {
  private readonly collector = new IdCollector();
  private readonly carry: Buffer;
  private carried = 0;

  constructor(private readonly width: 4 | 8) {
    this.carry = Buffer.alloc(width);
  }

  push(chunk: Buffer): void {
    let offset = 0;
    if (this.carried > 0) {
      const taken = Math.min(this.width - this.carried, chunk.length);
      chunk.copy(this.carry, this.carried, 0, taken);
      this.carried += taken;
      offset = taken;
      if (this.carried < this.width) return;
      this.record(this.carry, 0);
      this.carried = 0;
    }
    const whole = offset + Math.floor((chunk.length - offset) / this.width) * this.width;
    for (let i = offset; i < whole; i += this.width) this.record(chunk, i);
    if (whole < chunk.length) {
      chunk.copy(this.carry, 0, whole);
      this.carried = chunk.length - whole;
    }
  }

  finish(path: string): KeyTrace {
    if (this.carried > 0) {
      throw new StrataError(
        ErrorCode.INVALID_INPUT,
        `trace '${path}' ends with a partial ${this.width}-byte key: is --format ${this.width === 4 ? 'u32be' : 'u64be'} right?`,
      );
    }
    return this.collector.result();
  }

  private record(buffer: Buffer, at: number): void {
    if (this.width === 4) {
      this.collector.add(buffer.readUInt32BE(at));
      return;
    }
    const high = buffer.readUInt32BE(at);
    const low = buffer.readUInt32BE(at + 4);
    // Above 2^53 a double cannot hold the key exactly; such keys are interned by their two halves instead.
    this.collector.add(high < 0x200000 ? high * 0x100000000 + low : `${high}:${low}`);
  }
}
