import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { ErrorCode, StrataError } from '../errors.js';
import { compileGlob } from './glob.js';
import { looksLikeLmdb, walksCleanly } from './lmdbProbe.js';
import type { ByteTier, ByteWrite } from './tier.js';

export interface DiskTierOptions {
  /** Directory of the LMDB environment (created if missing). */
  path: string;
  /** Upper bound of stored bytes (keys + values); beyond it the entries closest to hard expiry are evicted first. */
  maxBytes: number;
  /** How often expired entries are pruned, ms. */
  pruneIntervalMs?: number;
  /** The current time in ms since the epoch; tests pass a controllable clock. */
  clock?: () => number;
}

export interface DiskTierStats {
  entries: number;
  /** Keys + stored records (8-byte expiry and 1-byte marker included), as bounded by `maxBytes`. */
  bytes: number;
  maxBytes: number;
  /** Entries removed to stay under `maxBytes` since open. */
  evictions: number;
  /** Entries removed because their hard expiry passed, since open. */
  expired: number;
  /** Records with malformed framing found (and deleted) since open. */
  corrupt: number;
  /** Failed disk operations since open. */
  errors: number;
}

const DEFAULT_PRUNE_INTERVAL_MS = 60_000;
/** LMDB refuses keys over 1978 bytes, and the expiry index adds 8 bytes to each key. */
export const MAX_KEY_BYTES = 1900;
/** Changing the record framing or the index layout bumps this; an environment with another layout is cleared. */
const LAYOUT_VERSION = '1';
const RECORD_MARKER = 0xa3;
/** Written by `close`, removed by `open`: its absence at open means the last run did not shut down cleanly. */
const CLEAN_SHUTDOWN_MARKER = 'clean-shutdown';
const RECORD_HEADER_BYTES = 9;
/** Deletions per write transaction while pruning or deleting by pattern: keeps each pause of the event loop short. */
const BATCH = 1000;
const EMPTY = Buffer.alloc(0);

/** `sync` exists on lmdb's root database but is missing from its type declarations. */
interface Flushable {
  sync(callback: (error?: unknown) => void): void;
}

/** Timestamps are non-negative, so their IEEE-754 bits read big-endian sort in time order (Infinity last). */
function expiryIndexKey(hardExpiresAt: number, key: Buffer): Buffer {
  const out = Buffer.allocUnsafe(8 + key.length);
  out.writeDoubleBE(hardExpiresAt, 0);
  key.copy(out, 8);
  return out;
}

function frameRecord(bytes: Uint8Array, hardExpiresAt: number): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + bytes.length);
  out[0] = RECORD_MARKER;
  out.writeDoubleLE(hardExpiresAt, 1);
  out.set(bytes, RECORD_HEADER_BYTES);
  return out;
}

/** The hard expiry of a well-framed record, `undefined` if its framing is malformed. */
function recordExpiry(record: Buffer): number | undefined {
  if (record.length < RECORD_HEADER_BYTES || record[0] !== RECORD_MARKER) return undefined;
  const hardExpiresAt = record.readDoubleLE(1);
  return Number.isNaN(hardExpiresAt) || hardExpiresAt < 0 ? undefined : hardExpiresAt;
}

function keyBytes(key: string): Buffer {
  if (typeof key !== 'string' || key.length === 0) {
    throw new StrataError(ErrorCode.INVALID_KEY, 'A disk tier key must be a non-empty string.');
  }
  const bytes = Buffer.from(key, 'utf8');
  if (bytes.length > MAX_KEY_BYTES) {
    throw new StrataError(
      ErrorCode.INVALID_KEY,
      `A key of ${bytes.length} bytes is too long for the disk tier (at most ${MAX_KEY_BYTES} bytes); use shorter keys.`,
    );
  }
  return bytes;
}

function checkExpiry(hardExpiresAt: number): void {
  if (typeof hardExpiresAt !== 'number' || Number.isNaN(hardExpiresAt)) {
    throw new StrataError(ErrorCode.INVALID_TTL, `hardExpiresAt must be a time in ms or Infinity, got ${String(hardExpiresAt)}.`);
  }
}

function validateOptions(options: DiskTierOptions): Required<DiskTierOptions> {
  if (typeof options?.path !== 'string' || options.path.length === 0) {
    throw new StrataError(ErrorCode.INVALID_OPTION, 'disk.path must be the directory of the disk cache, e.g. "./.strata/l3".');
  }
  if (typeof options.maxBytes !== 'number' || !Number.isFinite(options.maxBytes) || options.maxBytes <= 0) {
    throw new StrataError(ErrorCode.INVALID_OPTION, `disk.maxBytes must be a positive number of bytes, got ${String(options.maxBytes)}.`);
  }
  const pruneIntervalMs = options.pruneIntervalMs ?? DEFAULT_PRUNE_INTERVAL_MS;
  if (typeof pruneIntervalMs !== 'number' || !Number.isFinite(pruneIntervalMs) || pruneIntervalMs <= 0) {
    throw new StrataError(ErrorCode.INVALID_OPTION, `disk.pruneIntervalMs must be a positive number of ms, got ${String(pruneIntervalMs)}.`);
  }
  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function') throw new StrataError(ErrorCode.INVALID_OPTION, 'disk.clock must be a function returning ms.');
  return { path: options.path, maxBytes: options.maxBytes, pruneIntervalMs, clock };
}

/**
 * L3: an LMDB environment on local disk, one per instance, bounded in bytes, surviving restarts.
 *
 * Three databases: `entries` (key → marker, hard expiry, envelope), `expiry` (hard expiry + key, ordered, so pruning
 * and eviction are range scans) and `meta` (small strings such as the last applied replicated-log id). Entry and byte
 * counts are kept in `internal` and updated in the same transaction as the entries, so they are exact after a restart
 * without a scan.
 *
 * Writes are synchronous LMDB transactions without fsync (`noSync`): a commit costs microseconds and errors surface in
 * the call that caused them. A process crash loses nothing; an OS crash may lose the last writes (this is a cache), and
 * each prune also flushes to disk in the background. Every method rejects with a `StrataError` instead of throwing.
 *
 * Open with {@link DiskTier.open}.
 */
export class DiskTier implements ByteTier {
  readonly name = 'l3' as const;
  /** True when open found the environment damaged (after an OS crash) and started empty. */
  recoveredFromCorruption = false;
  readonly #options: Required<DiskTierOptions>;
  readonly #root: RootDatabase;
  readonly #entries: Database<Buffer, Buffer>;
  readonly #expiry: Database<Buffer, Buffer>;
  readonly #meta: Database<string, string>;
  readonly #internal: Database<string, string>;
  readonly #pruneTimer: NodeJS.Timeout;
  #entryCount = 0;
  #byteCount = 0;
  #evictions = 0;
  #expired = 0;
  #corrupt = 0;
  #errors = 0;
  #healthy = true;
  #closed = false;
  #pruning: Promise<number> | undefined;
  #flushing: Promise<void> | undefined;

  private constructor(options: Required<DiskTierOptions>, root: RootDatabase) {
    this.#options = options;
    this.#root = root;
    this.#entries = root.openDB<Buffer, Buffer>({ name: 'entries', encoding: 'binary', keyEncoding: 'binary' });
    this.#expiry = root.openDB<Buffer, Buffer>({ name: 'expiry', encoding: 'binary', keyEncoding: 'binary' });
    this.#meta = root.openDB<string, string>({ name: 'meta', encoding: 'string' });
    this.#internal = root.openDB<string, string>({ name: 'internal', encoding: 'string' });
    this.#loadCounters();
    // maxBytes may have shrunk since the environment was written.
    if (this.#byteCount > options.maxBytes) this.#write(() => this.#evictOverflow());
    this.#pruneTimer = setInterval(() => {
      this.prune().catch(() => undefined);
    }, options.pruneIntervalMs);
    this.#pruneTimer.unref();
  }

  /**
   * Opens (creating if needed) the environment at `options.path`.
   * @throws StrataError INVALID_OPTION for bad options, TIER_FAILURE when the directory cannot be used
   */
  static async open(options: DiskTierOptions): Promise<DiskTier> {
    return DiskTier.openSync(options);
  }

  /** `open` without the promise: LMDB opens synchronously, so `createStrata()` can stay synchronous. */
  static openSync(options: DiskTierOptions): DiskTier {
    const valid = validateOptions(options);
    let root: RootDatabase | undefined;
    try {
      mkdirSync(valid.path, { recursive: true });
      if (!looksLikeLmdb(valid.path)) {
        throw new Error('data.mdb there is not an LMDB environment (another program\'s file?); it was left untouched');
      }
      const recovered = DiskTier.#recoverIfDamaged(valid.path);
      root = open({
        path: valid.path,
        maxDbs: 4,
        noSync: true,
        mapSize: Math.max(1024 ** 3, Math.ceil((valid.maxBytes * 4) / 1024 ** 2) * 1024 ** 2),
      });
      const tier = new DiskTier(valid, root);
      tier.recoveredFromCorruption = recovered;
      return tier;
    } catch (err) {
      root?.close().catch(() => undefined);
      throw new StrataError(
        ErrorCode.TIER_FAILURE,
        `The disk cache cannot be opened at "${valid.path}" (${(err as Error).message}). ` +
          'Point disk.path to a writable directory on a disk with free space, or delete the directory if it is corrupt.',
        { cause: err, details: { path: valid.path } },
      );
    }
  }

  /**
   * After an unclean shutdown (no marker file), the environment is walked in a child process first; if that
   * crashes, the damaged files are deleted and the tier starts empty (it is a cache). A clean restart skips the walk.
   */
  static #recoverIfDamaged(path: string): boolean {
    const marker = join(path, CLEAN_SHUTDOWN_MARKER);
    const data = join(path, 'data.mdb');
    const cleanShutdown = existsSync(marker);
    rmSync(marker, { force: true });
    if (cleanShutdown || !existsSync(data) || statSync(data).size === 0) return false;
    if (walksCleanly(path)) return false;
    rmSync(data, { force: true });
    rmSync(join(path, 'lock.mdb'), { force: true });
    return true;
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.#run(() => this.#read(keyBytes(key), this.#options.clock()));
  }

  getMany(keys: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    return this.#run(() => {
      const now = this.#options.clock();
      return keys.map((key) => this.#read(keyBytes(key), now));
    });
  }

  set(key: string, bytes: Uint8Array, hardExpiresAt: number): Promise<void> {
    return this.#run(() => {
      const k = keyBytes(key);
      checkExpiry(hardExpiresAt);
      this.#write(() => this.#put(k, bytes, hardExpiresAt, this.#options.clock()));
    });
  }

  setMany(items: readonly ByteWrite[]): Promise<void> {
    return this.#run(() => {
      const prepared = items.map((item) => {
        checkExpiry(item.hardExpiresAt);
        return { key: keyBytes(item.key), bytes: item.bytes, hardExpiresAt: item.hardExpiresAt };
      });
      const now = this.#options.clock();
      this.#write(() => {
        for (const item of prepared) this.#put(item.key, item.bytes, item.hardExpiresAt, now);
      });
    });
  }

  delete(key: string): Promise<void> {
    return this.#run(() => {
      const k = keyBytes(key);
      this.#write(() => this.#remove(k));
    });
  }

  deleteMany(keys: readonly string[]): Promise<void> {
    return this.#run(() => {
      const prepared = keys.map(keyBytes);
      this.#write(() => {
        for (const k of prepared) this.#remove(k);
      });
    });
  }

  async deletePattern(pattern: string): Promise<number> {
    const glob = compileGlob(pattern);
    const prefix = Buffer.from(glob.literalPrefix, 'utf8');
    const matching = await this.#run(() => {
      const found: Buffer[] = [];
      const range = prefix.length > 0 ? this.#entries.getKeys({ start: prefix }) : this.#entries.getKeys();
      for (const raw of range) {
        const key = Buffer.from(raw);
        if (prefix.length > 0 && !key.subarray(0, prefix.length).equals(prefix)) break;
        if (glob.regExp.test(key.toString('utf8'))) found.push(key);
      }
      return found;
    });
    let deleted = 0;
    for (let start = 0; start < matching.length; start += BATCH) {
      const batch = matching.slice(start, start + BATCH);
      deleted += await this.#run(() => this.#write(() => batch.reduce((n, k) => n + (this.#remove(k) ? 1 : 0), 0)));
      if (start + BATCH < matching.length) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return deleted;
  }

  /**
   * Removes entries whose hard expiry has passed, in short transactions, and flushes recent writes to disk.
   * Runs every `pruneIntervalMs` by itself; resolves to the number removed.
   */
  prune(): Promise<number> {
    this.#pruning ??= this.#pruneAll().finally(() => {
      this.#pruning = undefined;
    });
    return this.#pruning;
  }

  getMeta(key: string): string | undefined {
    if (this.#closed) return undefined;
    try {
      return this.#meta.get(key);
    } catch {
      this.#failed();
      return undefined;
    }
  }

  setMeta(key: string, value: string): Promise<void> {
    return this.#run(() => {
      if (typeof key !== 'string' || key.length === 0 || Buffer.byteLength(key) > MAX_KEY_BYTES) {
        throw new StrataError(ErrorCode.INVALID_KEY, `A meta key must be a non-empty string of at most ${MAX_KEY_BYTES} bytes.`);
      }
      if (typeof value !== 'string') throw new StrataError(ErrorCode.INVALID_OPTION, 'A meta value must be a string.');
      this.#write(() => this.#meta.putSync(key, value));
    });
  }

  stats(): DiskTierStats {
    if (!this.#closed) {
      try {
        // Another process sharing the directory may have written since our last transaction.
        this.#entryCount = Number(this.#internal.get('entries') ?? this.#entryCount);
        this.#byteCount = Number(this.#internal.get('bytes') ?? this.#byteCount);
      } catch {
        this.#failed();
      }
    }
    return {
      entries: this.#entryCount,
      bytes: this.#byteCount,
      maxBytes: this.#options.maxBytes,
      evictions: this.#evictions,
      expired: this.#expired,
      corrupt: this.#corrupt,
      errors: this.#errors,
    };
  }

  isHealthy(): boolean {
    return this.#healthy && !this.#closed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#pruneTimer);
    await this.#pruning?.catch(() => undefined);
    await this.#flushing;
    try {
      await this.#root.close();
      writeFileSync(join(this.#options.path, CLEAN_SHUTDOWN_MARKER), '');
    } catch (err) {
      this.#failed();
      throw this.#failure(err);
    }
  }

  #read(key: Buffer, now: number): Uint8Array | undefined {
    const record = this.#entries.getBinary(key);
    if (record === undefined) return undefined;
    const hardExpiresAt = recordExpiry(record);
    if (hardExpiresAt !== undefined && hardExpiresAt > now) return record.subarray(RECORD_HEADER_BYTES);
    this.#removeUnreadable(key, hardExpiresAt === undefined);
    return undefined;
  }

  /** A miss either way: a failing removal is counted, never thrown at the reader. */
  #removeUnreadable(key: Buffer, corrupt: boolean): void {
    try {
      const removed = this.#write(() => this.#remove(key));
      if (!removed) return;
      if (corrupt) this.#corrupt++;
      else this.#expired++;
    } catch {
      this.#failed();
    }
  }

  /** Inside a write transaction. */
  #put(key: Buffer, bytes: Uint8Array, hardExpiresAt: number, now: number): void {
    this.#remove(key);
    if (hardExpiresAt <= now) return;
    const record = frameRecord(bytes, hardExpiresAt);
    const size = key.length + record.length;
    if (size > this.#options.maxBytes) {
      this.#evictions++;
      return;
    }
    this.#entries.putSync(key, record);
    this.#expiry.putSync(expiryIndexKey(hardExpiresAt, key), EMPTY);
    this.#entryCount++;
    this.#byteCount += size;
    this.#evictOverflow();
  }

  /** Inside a write transaction; true if there was an entry. */
  #remove(key: Buffer): boolean {
    const record = this.#entries.getBinary(key);
    if (record === undefined) return false;
    const hardExpiresAt = recordExpiry(record);
    if (hardExpiresAt !== undefined) this.#expiry.removeSync(expiryIndexKey(hardExpiresAt, key));
    this.#entries.removeSync(key);
    // Clamped: a record planted by another writer was never counted.
    this.#entryCount = Math.max(0, this.#entryCount - 1);
    this.#byteCount = Math.max(0, this.#byteCount - key.length - record.length);
    return true;
  }

  /** Inside a write transaction: evicts from the earliest hard expiry on. */
  #evictOverflow(): void {
    while (this.#byteCount > this.#options.maxBytes) {
      const victims: Buffer[] = [];
      for (const indexKey of this.#expiry.getKeys({ limit: 64 })) victims.push(Buffer.from(indexKey));
      let progress = false;
      for (const indexKey of victims) {
        if (this.#byteCount <= this.#options.maxBytes) return;
        if (this.#remove(indexKey.subarray(8))) {
          this.#evictions++;
          progress = true;
        } else if (this.#expiry.removeSync(indexKey)) {
          progress = true;
        }
      }
      // Bytes not reachable through the index (a record planted by another writer) cannot be evicted here.
      if (!progress) return;
    }
  }

  async #pruneAll(): Promise<number> {
    let removed = 0;
    while (!this.#closed) {
      const batch = await this.#run(() =>
        this.#write(() => {
          const now = this.#options.clock();
          const due: Buffer[] = [];
          for (const indexKey of this.#expiry.getKeys({ limit: BATCH })) {
            if (indexKey.readDoubleBE(0) > now) break;
            due.push(Buffer.from(indexKey));
          }
          let cleared = 0;
          for (const indexKey of due) {
            const key = indexKey.subarray(8);
            const record = this.#entries.getBinary(key);
            const hardExpiresAt = record === undefined ? undefined : recordExpiry(record);
            const entryRemoved = hardExpiresAt !== undefined && hardExpiresAt <= now && this.#remove(key);
            if (entryRemoved) {
              this.#expired++;
              removed++;
            }
            if (this.#expiry.removeSync(indexKey) || entryRemoved) cleared++;
          }
          return cleared;
        }),
      );
      // A batch that was not full, or that changed nothing, means nothing due is left.
      if (batch < BATCH) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.#flush();
    return removed;
  }

  /** Starts a background fsync unless one is running; `close` waits for it (closing under it crashes LMDB). */
  #flush(): void {
    if (this.#closed || this.#flushing) return;
    this.#flushing = new Promise<void>((resolve) => {
      (this.#root as unknown as Flushable).sync((error) => {
        if (error) this.#failed();
        this.#flushing = undefined;
        resolve();
      });
    });
  }

  /**
   * One synchronous write transaction that also persists the counters. The counters are read inside the
   * transaction, so processes sharing the directory (e.g. workers of a Node cluster) keep them exact.
   */
  #write<T>(action: () => T): T {
    let before = { entries: this.#entryCount, bytes: this.#byteCount };
    try {
      return this.#root.transactionSync(() => {
        this.#entryCount = Number(this.#internal.get('entries') ?? 0);
        this.#byteCount = Number(this.#internal.get('bytes') ?? 0);
        before = { entries: this.#entryCount, bytes: this.#byteCount };
        const result = action();
        if (this.#entryCount !== before.entries || this.#byteCount !== before.bytes) {
          this.#internal.putSync('entries', String(this.#entryCount));
          this.#internal.putSync('bytes', String(this.#byteCount));
        }
        return result;
      });
    } catch (err) {
      // The transaction was rolled back, and the counters with it.
      this.#entryCount = before.entries;
      this.#byteCount = before.bytes;
      throw err;
    }
  }

  /** Runs an operation as a promise: a StrataError it raises passes through, anything else is a disk failure. */
  #run<T>(operation: () => T): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new StrataError(ErrorCode.CLOSED, 'The disk tier is closed.'));
    }
    const errorsBefore = this.#errors;
    try {
      const result = operation();
      // A read can succeed while its clean-up write failed: that failure keeps the tier unhealthy.
      if (this.#errors === errorsBefore) this.#healthy = true;
      return Promise.resolve(result);
    } catch (err) {
      if (err instanceof StrataError) return Promise.reject(err);
      this.#failed();
      return Promise.reject(this.#failure(err));
    }
  }

  #failed(): void {
    this.#errors++;
    this.#healthy = false;
  }

  #failure(err: unknown): StrataError {
    return new StrataError(
      ErrorCode.TIER_FAILURE,
      `The disk cache at "${this.#options.path}" failed (${(err as Error)?.message ?? String(err)}). ` +
        'Check free space and permissions of disk.path.',
      { cause: err, details: { path: this.#options.path } },
    );
  }

  #loadCounters(): void {
    const layout = this.#internal.get('layout');
    if (layout !== undefined && layout !== LAYOUT_VERSION) {
      this.#root.transactionSync(() => {
        this.#entries.clearSync();
        this.#expiry.clearSync();
        this.#internal.clearSync();
      });
    }
    const entries = this.#internal.get('entries');
    const bytes = this.#internal.get('bytes');
    if (entries !== undefined && bytes !== undefined && layout === LAYOUT_VERSION) {
      this.#entryCount = Number(entries);
      this.#byteCount = Number(bytes);
      return;
    }
    let count = 0;
    let total = 0;
    for (const { key, value } of this.#entries.getRange()) {
      count++;
      total += key.length + value.length;
    }
    this.#entryCount = count;
    this.#byteCount = total;
    this.#root.transactionSync(() => {
      this.#internal.putSync('layout', LAYOUT_VERSION);
      this.#internal.putSync('entries', String(count));
      this.#internal.putSync('bytes', String(total));
    });
  }
}
