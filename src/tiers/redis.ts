import calculateSlot from 'cluster-key-slot';
import { Cluster, type Redis } from 'ioredis';
import { ErrorCode, StrataError, isStrataError } from '../errors.js';
import type { RedisConnection } from '../redis/connection.js';
import { BreakerPerNode } from '../resilience/breakerPerNode.js';
import { CircuitBreaker, type CircuitBreakerOptions, type CircuitState } from '../resilience/circuitBreaker.js';
import { endDeadline, startDeadline, timeoutError, withTimeout } from '../resilience/timeout.js';
import type { ByteTier, ByteWrite, ByteWriteOptions, Claim, ClaimRead } from './tier.js';

export interface RedisTierOptions {
  /** Soft timeout of one call in ms; a multi-key call gets this much per 1,000 keys. */
  timeoutMs?: number;
  /** How long `WAIT` waits for replicas to acknowledge a replicated write; added to the write's soft timeout. */
  replicaWaitTimeoutMs?: number;
  /** Soft timeout of a whole `deletePattern` (a SCAN over every master). */
  scanTimeoutMs?: number;
  /** `COUNT` hint per SCAN step. */
  scanCount?: number;
  /** Extra attempts for a failed write before it is dropped (and counted). */
  writeRetries?: number;
  /** Retry n waits n times this long. */
  writeRetryDelayMs?: number;
  /**
   * The breakers' settings, or one breaker shared with other users of the same Redis. On a Cluster, settings give
   * each master its own breaker (a failed shard refuses only its own keys); a shared breaker guards every master.
   */
  breaker?: CircuitBreakerOptions | CircuitBreaker;
  /**
   * Send the single-key reads issued in the same tick as one `MGET` (default true; a single server or Sentinel
   * master only: on a Cluster, keys of different slots cannot share a command). Off, every read is its own `GET`.
   */
  coalesceReads?: boolean;
}

/** Counters since the tier was created. */
export interface RedisTierStats {
  hits: number;
  misses: number;
  /** Failed calls of any kind (timeouts and circuit rejections included). */
  errors: number;
  timeouts: number;
  /** Calls rejected at once because a circuit was open (every breaker's, summed). */
  circuitRejections: number;
  /** Writes and deletes given up after their retries. */
  droppedWrites: number;
  /** Replicated writes that fewer replicas than asked acknowledged. */
  unacknowledgedWrites: number;
  /** Keys under the prefix that held another Redis type (read as misses). */
  wrongTypeKeys: number;
  /**
   * All of L2 in one state: `closed` when every breaker is, `open` when every breaker is (L2 refuses everything),
   * `half-open` otherwise (a shard refused or on trial). A single server or Sentinel has one breaker: its state.
   */
  breaker: CircuitState;
  /**
   * Each breaker's state: by Cluster master (`host:port`, as in the client's slot map), and `'*'` for the breaker of a
   * single server, a Sentinel master or a shared breaker (on a Cluster, listed only while it is not closed: it guards
   * the keys of slots whose owner is not known yet).
   */
  breakers: Record<string, CircuitState>;
}

const DEFAULTS = {
  timeoutMs: 500,
  // Well under timeoutMs: WAIT holds the node's connection, so a replica that does not answer (none after a Cluster failover) would push every command queued behind it past its soft timeout and open the breaker (bench/failover.ts).
  replicaWaitTimeoutMs: 100,
  scanTimeoutMs: 30_000,
  scanCount: 1000,
  writeRetries: 2,
  writeRetryDelayMs: 50,
};

/** Reply errors that mean the server (not the command) is unavailable, so they count against the breaker. */
const OUTAGE_REPLIES = /^(CLUSTERDOWN|LOADING|MASTERDOWN|READONLY|TRYAGAIN|BUSY|NOREPLICAS)/;

function isReplyError(err: unknown): err is Error {
  return err instanceof Error && err.name === 'ReplyError';
}

function isOutage(err: unknown): boolean {
  if (isStrataError(err)) return err.code === ErrorCode.TIMEOUT;
  if (isReplyError(err)) return OUTAGE_REPLIES.test(err.message);
  return true;
}

function isWrongType(err: unknown): boolean {
  return isReplyError(err) && err.message.startsWith('WRONGTYPE');
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * `getOrClaim` in one round trip: the value if there is one (another type reads as missing, as in `get`), else 1 when
 * the claim key was set, 0 when someone else holds it.
 */
const GET_OR_CLAIM = `
local value = redis.pcall('GET', KEYS[1])
if type(value) == 'string' then return value end
if redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
return 0`;

/** ioredis has `evalBuffer` (replies as Buffers) at run time but not in its type declarations. */
type BufferEval = { evalBuffer(script: string, numberOfKeys: number, ...args: Array<string | number>): Promise<Buffer | number> };

/** Resolves with `work(input)`, or rejects with what it threw: a caller's callback must not become an unhandled rejection. */
function settleWith<I, T>(resolve: (value: T) => void, reject: (error: unknown) => void, work: (input: I) => T, input: I): void {
  try {
    resolve(work(input));
  } catch (err) {
    reject(err);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type PipelineReplies = Array<[Error | null, unknown]>;

/** A single-key read waiting for its reply; the reads of one tick go out together (see `coalesceReads`). */
interface PendingRead {
  readonly key: string;
  readonly breaker: CircuitBreaker;
  readonly admitted: NonNullable<ReturnType<CircuitBreaker['admit']>>;
  readonly read: ((bytes: Uint8Array | undefined) => unknown) | undefined;
  readonly failed: ((error: unknown) => unknown) | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** The keys of one node group of a multi-key call, and what the group's call gave (see `RedisTier.perNode`). */
type NodeOutcome<T> = { readonly indices: readonly number[] } & ({ readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: StrataError });

/** The most keys one coalesced `MGET` carries; more reads in a tick go out as several. */
const MAX_COALESCED_READS = 256;

/**
 * L2: one Redis string per entry (the encoded envelope) with `PX` = hard expiry.
 * Every call goes through a circuit breaker and a soft timeout; multi-key calls are grouped by the cluster node
 * owning their slots and sent as one pipeline per node, so no command ever spans slots. On a Cluster each master has
 * its own breaker (the one of the slot's owner in the client's slot map), so a failed shard refuses only its keys.
 * The tier owns its connection: `close()` closes it.
 */
export class RedisTier implements ByteTier {
  readonly name = 'l2' as const;
  /**
   * The breaker of a single server or Sentinel master, or the shared one passed in the options. On a Cluster with
   * per-master breakers it guards only the keys of slots whose owner is not known yet (see `stats().breakers`).
   */
  readonly breaker: CircuitBreaker;
  private readonly breakers: BreakerPerNode;
  private readonly connection: RedisConnection;
  private readonly prefix: string;
  private readonly options: Required<Omit<RedisTierOptions, 'breaker' | 'coalesceReads'>>;
  private readonly coalesceReads: boolean;
  /** Reads issued in this tick, not sent yet (coalescing only). */
  private queuedReads: PendingRead[] = [];
  private readonly flushReads = (): void => this.sendQueuedReads();
  private closed = false;
  private readonly counters = {
    hits: 0,
    misses: 0,
    errors: 0,
    timeouts: 0,
    droppedWrites: 0,
    unacknowledgedWrites: 0,
    wrongTypeKeys: 0,
  };

  constructor(connection: RedisConnection, options: RedisTierOptions = {}) {
    this.connection = connection;
    this.prefix = connection.config.keyPrefix;
    const merged = { ...DEFAULTS };
    for (const key of Object.keys(DEFAULTS) as Array<keyof typeof DEFAULTS>) {
      const value = options[key];
      if (value === undefined) continue;
      if (!Number.isInteger(value) || value < 0) {
        throw new StrataError(ErrorCode.INVALID_OPTION, `RedisTier ${key} must be a non-negative integer (got ${String(value)})`);
      }
      merged[key] = value;
    }
    this.options = merged;
    if (options.coalesceReads !== undefined && typeof options.coalesceReads !== 'boolean') {
      throw new StrataError(ErrorCode.INVALID_OPTION, `RedisTier coalesceReads must be a boolean (got ${String(options.coalesceReads)})`);
    }
    this.coalesceReads = options.coalesceReads ?? true;
    const shared = options.breaker instanceof CircuitBreaker ? options.breaker : undefined;
    const settings = options.breaker instanceof CircuitBreaker ? undefined : options.breaker;
    const name = settings?.name ?? 'Redis (L2)';
    this.breakers = new BreakerPerNode(
      (node) => new CircuitBreaker({ isFailure: isOutage, ...settings, name: node === undefined ? name : `${name} ${node}` }),
      () => this.liveMasters(),
      shared,
    );
    this.breaker = this.breakers.fallback;
    // A failover or reconnect means Redis may take writes again: try now rather than at the end of the open period.
    // Every breaker is probed (the one of the promoted master may be new; others may have opened on CLUSTERDOWN), and
    // the failed master's is dropped once the slot map no longer names it.
    connection.onRecovery(() => {
      this.breakers.prune();
      this.breakers.probe();
    });
  }

  private get client(): Redis | Cluster {
    return this.connection.client;
  }

  /** The nodes serving the slot of a full Redis key, master first, from the Cluster client's slot map (undefined: not a Cluster, or not known yet). */
  private ownersOf(fullKey: string): string[] | undefined {
    const client = this.client;
    return client instanceof Cluster ? client.slots[calculateSlot(fullKey)] : undefined;
  }

  /** The breaker guarding a full Redis key: its master's on a Cluster, the one breaker otherwise. */
  private breakerOf(fullKey: string): CircuitBreaker {
    return this.breakers.of(this.ownersOf(fullKey)?.[0]);
  }

  /** The masters in the Cluster client's slot map now (none on a single server). */
  private liveMasters(): Set<string> {
    const live = new Set<string>();
    const client = this.client;
    if (client instanceof Cluster) for (const owners of client.slots) if (owners?.[0] !== undefined) live.add(owners[0]);
    return live;
  }

  /** The hot path: one promise, no async wrappers between the caller and ioredis. */
  get(key: string): Promise<Uint8Array | undefined> {
    return this.getWith<Uint8Array | undefined>(key, undefined, undefined);
  }

  /**
   * `get` with the caller's work on the reply done before the one promise settles (see `ByteTier.getWith`); without
   * `read` the promise resolves with the bytes, without `failed` it rejects with the failure.
   */
  getWith<T>(key: string, read: ((bytes: Uint8Array | undefined) => T) | undefined, failed: ((error: unknown) => T) | undefined): Promise<T> {
    if (this.closed || typeof key !== 'string' || key === '') return this.refusedRead(key, failed, this.breaker);
    const fullKey = this.prefix + key;
    const breaker = this.breakerOf(fullKey);
    const admitted = breaker.admit();
    if (admitted === undefined) return this.refusedRead(key, failed, breaker);
    return new Promise<T>((resolve, reject) => {
      const pending: PendingRead = { key: fullKey, breaker, admitted, read, failed, resolve: resolve as (value: unknown) => void, reject };
      if (!this.coalesceReads || this.client instanceof Cluster) {
        this.sendRead(pending);
        return;
      }
      // Sent at the end of the tick with every other read issued in it: one MGET costs the server and the client
      // far less than as many GETs (bench/redis-l2.ts), and a lone read goes out as a GET in the same tick.
      if (this.queuedReads.length === 0) process.nextTick(this.flushReads);
      this.queuedReads.push(pending);
    });
  }

  private sendQueuedReads(): void {
    const queued = this.queuedReads;
    this.queuedReads = [];
    if (queued.length === 1) {
      this.sendRead(queued[0] as PendingRead);
      return;
    }
    for (let from = 0; from < queued.length; from += MAX_COALESCED_READS) {
      this.sendReads(queued.length <= MAX_COALESCED_READS ? queued : queued.slice(from, from + MAX_COALESCED_READS));
    }
  }

  /** One read as a GET; its reply and the soft timeout race to settle it (`withTimeout` would add a promise). */
  private sendRead(pending: PendingRead): void {
    const ms = this.options.timeoutMs;
    const deadline = ms > 0 ? startDeadline(ms, () => this.readFailedIn(pending, timeoutError('Redis GET', ms))) : undefined;
    this.client.getBuffer(pending.key).then(
      (value) => {
        if (deadline === undefined || endDeadline(deadline)) this.readDone(pending, value);
      },
      (err: unknown) => {
        if (deadline === undefined || endDeadline(deadline)) this.readFailedIn(pending, err);
      },
    );
  }

  /** Several reads as one MGET under one soft timeout. Another Redis type reads as a miss here, without a WRONGTYPE to count. */
  private sendReads(batch: readonly PendingRead[]): void {
    const ms = this.options.timeoutMs;
    const fail = (err: unknown) => {
      for (const pending of batch) this.readFailedIn(pending, err);
    };
    const deadline = ms > 0 ? startDeadline(ms, () => fail(timeoutError(`Redis MGET of ${batch.length} keys`, ms))) : undefined;
    this.client.mgetBuffer(batch.map((pending) => pending.key)).then(
      (values) => {
        if (deadline !== undefined && !endDeadline(deadline)) return;
        for (let i = 0; i < batch.length; i++) this.readDone(batch[i] as PendingRead, values[i] ?? null);
      },
      (err: unknown) => {
        if (deadline === undefined || endDeadline(deadline)) fail(err);
      },
    );
  }

  private readDone(pending: PendingRead, value: Buffer | null | 'wrongtype'): void {
    pending.breaker.settle(pending.admitted, undefined);
    const bytes = this.countRead(value);
    if (pending.read === undefined) pending.resolve(bytes);
    else settleWith(pending.resolve, pending.reject, pending.read, bytes);
  }

  /** A read whose GET or MGET failed: counted, then settled as the caller's `failed` says (or rejected). */
  private readFailedIn(pending: PendingRead, err: unknown): void {
    if (isWrongType(err)) {
      this.readDone(pending, 'wrongtype');
      return;
    }
    pending.breaker.settle(pending.admitted, err);
    const error = this.failed('GET', err);
    if (pending.failed === undefined) pending.reject(error);
    else settleWith(pending.resolve, pending.reject, pending.failed, error);
  }

  /** A read not attempted: the tier is closed, the key is not one, or the key's circuit (`breaker`) is open. */
  private refusedRead<T>(key: string, failed: ((error: unknown) => T) | undefined, breaker: CircuitBreaker): Promise<T> {
    let error: StrataError;
    if (this.closed) error = new StrataError(ErrorCode.CLOSED, 'the Redis tier is closed');
    else if (typeof key !== 'string' || key === '') error = new StrataError(ErrorCode.INVALID_KEY, 'a tier key must be a non-empty string');
    else {
      this.counters.errors++;
      error = breaker.openError();
    }
    if (failed === undefined) return Promise.reject(error);
    return new Promise<T>((resolve, reject) => settleWith(resolve, reject, failed, error));
  }

  /**
   * One script reads the key and, if it is missing, sets the claim key (`SET NX PX`). A Cluster runs a script on one
   * slot only: for keys in different slots this is a plain `get` and the claim is left to the caller.
   */
  getOrClaim(key: string, claim: Claim): Promise<ClaimRead> {
    if (this.closed) return Promise.reject(new StrataError(ErrorCode.CLOSED, 'the Redis tier is closed'));
    if (typeof key !== 'string' || key === '') return Promise.reject(new StrataError(ErrorCode.INVALID_KEY, 'a tier key must be a non-empty string'));
    const client = this.client;
    const fullKey = this.prefix + key;
    const claimKey = this.prefix + claim.key;
    if (client instanceof Cluster && calculateSlot(fullKey) !== calculateSlot(claimKey)) return this.get(key).then((bytes) => ({ bytes, claimed: undefined }));
    const breaker = this.breakerOf(fullKey);
    const admittedIn = breaker.admit();
    if (admittedIn === undefined) {
      this.counters.errors++;
      return Promise.reject(breaker.openError());
    }
    // EVAL with the text, not a script defined on the client: ioredis 6's auto-pipelining loses replies when a
    // defined script's NOSCRIPT fallback happens inside a batch.
    const call = (client as unknown as BufferEval).evalBuffer(GET_OR_CLAIM, 2, fullKey, claimKey, claim.value, claim.ttlMs);
    return withTimeout(call, this.options.timeoutMs, 'Redis GET or claim').then(
      (reply) => {
        breaker.settle(admittedIn, undefined);
        if (typeof reply === 'number') return { bytes: this.countRead(null), claimed: reply === 1 };
        return { bytes: this.countRead(reply), claimed: undefined };
      },
      (err: unknown) => {
        breaker.settle(admittedIn, err);
        throw this.failed('GET or claim', err);
      },
    );
  }

  /**
   * One pipeline per node. On a Cluster, a node whose call failed (or whose circuit is open) costs only its own keys:
   * they come back `undefined` (counted in `errors`, not `misses`) with the other nodes' values; the call rejects
   * only when every node's call failed (always the case on a single server, which is one node).
   */
  async getMany(keys: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    if (!Array.isArray(keys)) throw new StrataError(ErrorCode.INVALID_KEY, 'getMany needs an array of keys');
    if (keys.length === 0) return [];
    const fullKeys = keys.map((k) => this.fullKey(k));
    const outcomes = await this.perNode(`GET of ${keys.length} keys`, this.scaled(keys.length), fullKeys, fullKeys.map((_, i) => i), async (indices) => {
      const pipeline = this.client.pipeline();
      for (const i of indices) pipeline.getBuffer(fullKeys[i] as string);
      const replies = await this.exec(pipeline);
      for (const [err] of replies) if (err !== null && !isWrongType(err)) throw err;
      return replies.map(([err, value]) => this.countRead(err === null ? (value as Buffer | null) : 'wrongtype'));
    });
    const results = new Array<Uint8Array | undefined>(keys.length).fill(undefined);
    let failure: StrataError | undefined;
    for (const outcome of outcomes) {
      if (outcome.ok) outcome.indices.forEach((index, n) => (results[index] = outcome.value[n]));
      else failure ??= outcome.error;
    }
    if (failure !== undefined && outcomes.every((o) => !o.ok)) throw failure;
    return results;
  }

  async set(key: string, bytes: Uint8Array, hardExpiresAt: number, options: ByteWriteOptions = {}): Promise<void> {
    await this.setMany([{ key, bytes, hardExpiresAt }], options);
  }

  async setMany(items: readonly ByteWrite[], options: ByteWriteOptions = {}): Promise<void> {
    if (!Array.isArray(items)) throw new StrataError(ErrorCode.INVALID_OPTION, 'setMany needs an array of { key, bytes, hardExpiresAt }');
    const replicas = options.replicas ?? 0;
    if (!Number.isInteger(replicas) || replicas < 0) throw new StrataError(ErrorCode.INVALID_OPTION, 'replicas must be a non-negative integer');
    const now = Date.now();
    const writes: Array<{ key: string; value: Buffer; px: number | undefined }> = [];
    for (const item of items) {
      if (!(item.bytes instanceof Uint8Array)) throw new StrataError(ErrorCode.INVALID_OPTION, 'bytes must be a Uint8Array');
      if (typeof item.hardExpiresAt !== 'number' || Number.isNaN(item.hardExpiresAt)) {
        throw new StrataError(ErrorCode.INVALID_TTL, 'hardExpiresAt must be a time in ms since the epoch (or Infinity)');
      }
      const px = item.hardExpiresAt === Infinity ? undefined : Math.ceil(item.hardExpiresAt - now);
      if (px !== undefined && px <= 0) continue;
      writes.push({ key: this.fullKey(item.key), value: asBuffer(item.bytes), px });
    }
    if (writes.length === 0) return;
    if (writes.length === 1 && replicas === 0) {
      // Auto-pipelined like a read: no Pipeline object, and it shares a packet with the commands issued in the same
      // tick (a getOrSet's lock release goes out with its write).
      const { key, value, px } = writes[0] as (typeof writes)[number];
      await this.write('SET', this.options.timeoutMs, [key], async () => {
        await (px === undefined ? this.client.set(key, value) : this.client.set(key, value, 'PX', px));
      });
      return;
    }
    const keys = writes.map((w) => w.key);
    const timeoutMs = this.scaled(writes.length) + (replicas > 0 ? this.options.replicaWaitTimeoutMs : 0);
    await this.write(`SET of ${writes.length} keys`, timeoutMs, keys, async (indices) => {
      const pipeline = this.client.pipeline();
      for (const i of indices) {
        const { key, value, px } = writes[i] as (typeof writes)[number];
        if (px === undefined) pipeline.set(key, value);
        else pipeline.set(key, value, 'PX', px);
      }
      // WAIT in the same pipeline runs on the node that took these writes, after them. It is left out on a Cluster
      // replica promoted by a failover until the old master rejoins as its replica: it could only time out, holding
      // the node's connection and every command queued behind it (bench/failover.ts).
      const wait = replicas > 0 && !this.connection.promotedWithoutReplica(keys[indices[0] as number] as string);
      if (wait) pipeline.wait(replicas, this.options.replicaWaitTimeoutMs);
      const replies = await this.exec(pipeline);
      for (const [err] of replies) if (err !== null) throw err;
      if (replicas > 0) {
        const acknowledged = wait ? Number((replies[replies.length - 1] as [null, unknown])[1]) : 0;
        if (acknowledged < replicas) {
          this.counters.unacknowledgedWrites++;
          throw new StrataError(
            ErrorCode.TIER_FAILURE,
            `Redis write of ${indices.length} keys acknowledged by ${acknowledged} of ${replicas} replicas within ${this.options.replicaWaitTimeoutMs} ms`,
            { details: { acknowledged, replicas } },
          );
        }
      }
    });
  }

  async delete(key: string): Promise<void> {
    await this.deleteMany([key]);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    if (!Array.isArray(keys)) throw new StrataError(ErrorCode.INVALID_KEY, 'deleteMany needs an array of keys');
    if (keys.length === 0) return;
    const fullKeys = keys.map((k) => this.fullKey(k));
    await this.write(`DEL of ${keys.length} keys`, this.scaled(keys.length), fullKeys, async (indices) => {
      const pipeline = this.client.pipeline();
      for (const i of indices) pipeline.unlink(fullKeys[i] as string);
      for (const [err] of await this.exec(pipeline)) if (err !== null) throw err;
    });
  }

  /** A SCAN per master, each through its own breaker and the scan timeout; rejects if any master's failed. */
  async deletePattern(pattern: string): Promise<number> {
    if (typeof pattern !== 'string' || pattern === '') throw new StrataError(ErrorCode.INVALID_KEY, 'deletePattern needs a non-empty glob pattern');
    const match = escapeGlob(this.prefix) + pattern;
    const what = `SCAN ${pattern}`;
    const counts = await Promise.allSettled(
      this.connection.masters().map((node) => {
        const breaker = this.client instanceof Cluster ? this.breakers.of(`${node.options.host}:${node.options.port}`) : this.breaker;
        return this.call(what, this.options.scanTimeoutMs, breaker, () => this.deleteMatching(node, match));
      }),
    );
    let deleted = 0;
    for (const count of counts) {
      if (count.status === 'rejected') throw count.reason;
      deleted += count.value;
    }
    return deleted;
  }

  /** True unless L2 refuses everything: closed, or every breaker open. */
  isHealthy(): boolean {
    return !this.closed && this.breakers.state() !== 'open';
  }

  stats(): RedisTierStats {
    return { ...this.counters, circuitRejections: this.breakers.rejected(), breaker: this.breakers.state(), breakers: this.breakers.states() };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.close();
  }

  /** SCAN one node (never KEYS) and UNLINK what matches; the node holds every key it returns, so one pipeline is safe. */
  private async deleteMatching(node: Redis, match: string): Promise<number> {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', this.options.scanCount);
      cursor = next;
      if (keys.length === 0) continue;
      const pipeline = node.pipeline();
      for (const key of keys) pipeline.unlink(key);
      for (const [err, removed] of await this.exec(pipeline)) {
        if (err !== null) throw err;
        deleted += Number(removed);
      }
    } while (cursor !== '0');
    return deleted;
  }

  private fullKey(key: string): string {
    if (typeof key !== 'string' || key === '') throw new StrataError(ErrorCode.INVALID_KEY, 'a tier key must be a non-empty string');
    return this.prefix + key;
  }

  private scaled(keyCount: number): number {
    return this.options.timeoutMs * Math.max(1, Math.ceil(keyCount / 1000));
  }

  private countRead(value: Buffer | null | 'wrongtype'): Uint8Array | undefined {
    if (value === null || value === 'wrongtype') {
      if (value === 'wrongtype') this.counters.wrongTypeKeys++;
      this.counters.misses++;
      return undefined;
    }
    this.counters.hits++;
    return value;
  }

  /**
   * Runs `work` on the keys at `indices`, split by the cluster node serving their slots (one group on a single
   * server): one call per group through the breaker of its master and the soft timeout, all groups in parallel.
   * Resolves with each group's outcome; never rejects.
   */
  private async perNode<T>(what: string, timeoutMs: number, keys: readonly string[], indices: readonly number[], work: (indices: readonly number[]) => Promise<T>): Promise<Array<NodeOutcome<T>>> {
    return Promise.all(
      this.groupByNode(keys, indices).map(({ indices: group, breaker }) =>
        this.call(what, timeoutMs, breaker, () => work(group)).then(
          (value): NodeOutcome<T> => ({ indices: group, ok: true, value }),
          (error: StrataError): NodeOutcome<T> => ({ indices: group, ok: false, error }),
        ),
      ),
    );
  }

  /** The keys at `indices` by the set of nodes serving their slots (what one Cluster pipeline may span), with their master's breaker. */
  private groupByNode(keys: readonly string[], indices: readonly number[]): Array<{ indices: readonly number[]; breaker: CircuitBreaker }> {
    const client = this.client;
    if (!(client instanceof Cluster)) return [{ indices, breaker: this.breaker }];
    if (indices.length === 1) return [{ indices, breaker: this.breakerOf(keys[indices[0] as number] as string) }];
    const groups = new Map<string, { indices: number[]; breaker: CircuitBreaker }>();
    for (const i of indices) {
      const slot = calculateSlot(keys[i] as string);
      const owners = client.slots[slot];
      // Before the slot map is known, a slot is its own group: always routable, just more round trips.
      const id = owners?.join(';') ?? `slot:${slot}`;
      const group = groups.get(id);
      if (group === undefined) groups.set(id, { indices: [i], breaker: this.breakers.of(owners?.[0]) });
      else group.indices.push(i);
    }
    return [...groups.values()];
  }

  private async exec(pipeline: ReturnType<Redis['pipeline']>): Promise<PipelineReplies> {
    const replies = await pipeline.exec();
    if (replies === null) throw new StrataError(ErrorCode.TIER_FAILURE, 'Redis pipeline was discarded');
    return replies;
  }

  /** One attempt through `breaker` and the soft timeout; failures come out as StrataErrors and are counted. */
  private async call<T>(what: string, timeoutMs: number, breaker: CircuitBreaker, operation: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StrataError(ErrorCode.CLOSED, 'the Redis tier is closed');
    try {
      return await breaker.execute(() => withTimeout(operation(), timeoutMs, `Redis ${what}`));
    } catch (err) {
      throw this.failed(what, err);
    }
  }

  /** Counts a failed call and turns it into the StrataError the caller gets. */
  private failed(what: string, err: unknown): StrataError {
    this.counters.errors++;
    if (isStrataError(err, ErrorCode.TIMEOUT)) this.counters.timeouts++;
    if (isStrataError(err)) return err;
    return new StrataError(ErrorCode.TIER_FAILURE, `Redis ${what} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }

  /**
   * A write of `keys` (full Redis keys), one call per node group (`perNode`). A failed group is retried a few times
   * with a growing pause, grouped again (a failover may have moved its slots), then dropped; a group refused by an
   * open circuit is dropped at once. The other groups' writes stand; the call rejects with the first dropped group's
   * error once every group is done, and counts one dropped write.
   */
  private async write(what: string, timeoutMs: number, keys: readonly string[], work: (indices: readonly number[]) => Promise<void>): Promise<void> {
    let pending: readonly number[] = keys.map((_, i) => i);
    let dropped: StrataError | undefined;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(attempt * this.options.writeRetryDelayMs);
      const retry: number[] = [];
      for (const outcome of await this.perNode(what, timeoutMs, keys, pending, work)) {
        if (outcome.ok) continue;
        const final = attempt >= this.options.writeRetries || isStrataError(outcome.error, ErrorCode.CIRCUIT_OPEN) || isStrataError(outcome.error, ErrorCode.CLOSED);
        if (final) dropped ??= outcome.error;
        else retry.push(...outcome.indices);
      }
      pending = retry;
    }
    if (dropped === undefined) return;
    this.counters.droppedWrites++;
    throw dropped;
  }
}
