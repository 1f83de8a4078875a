/**
 * The contracts between the tier stack (`core/`) and the tiers. A tier never imports `core/`.
 *
 * L1 (`MemoryTier`) holds decoded entries and answers synchronously: the hit path has no await.
 * L2 and L3 hold encoded envelopes (see `codec/envelope.ts`) and implement `ByteTier`.
 * Keys handed to a `ByteTier` are full keys, `{prefix}:{namespace}:{class}:{key}`; a tier never parses them.
 */

export type TierName = 'l1' | 'l2' | 'l3';

/** One entry to write to a byte tier. */
export interface ByteWrite {
  key: string;
  bytes: Uint8Array;
  /** Absolute time (ms since the epoch) after which the tier may forget the entry: logical expiry + grace. */
  hardExpiresAt: number;
}

export interface ByteWriteOptions {
  /** Wait until this many replicas acknowledged the write (Redis `WAIT`); 0 = do not wait. */
  replicas?: number;
}

/** Another key to set when a read finds nothing (see `ByteTier.getOrClaim`). */
export interface Claim {
  key: string;
  value: string;
  ttlMs: number;
}

/** What `getOrClaim` found and did. */
export interface ClaimRead {
  bytes: Uint8Array | undefined;
  /** Whether the claim key was set; `undefined` when it was not tried (the key held a value, or the tier cannot do both at once for these keys). */
  claimed: boolean | undefined;
}

/**
 * A tier that stores opaque bytes: Redis (L2) or LMDB (L3).
 * Methods may reject (a tier may be down); the tier stack catches and counts every rejection,
 * so a failing tier never reaches the caller of a cache read.
 */
export interface ByteTier {
  readonly name: Exclude<TierName, 'l1'>;
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Reads a key and, when it holds nothing, sets `claim.key` to `claim.value` for `claim.ttlMs` unless it exists, as
   * one atomic step (a shared tier's lock taken in the read's round trip). Optional: only Redis has it.
   */
  getOrClaim?(key: string, claim: Claim): Promise<ClaimRead>;
  /**
   * `get` that hands the reply to `read` (the bytes, or `undefined` when the key holds nothing) or a failure to
   * `failed`, and settles with what they return: the caller's work on a read done inside the one promise, as an
   * L2 hit cannot afford a second promise and microtask. If a callback throws, the promise rejects. Optional.
   */
  getWith?<T>(key: string, read: (bytes: Uint8Array | undefined) => T, failed: (error: unknown) => T): Promise<T>;
  /** Same order as `keys`; `undefined` where missing. */
  getMany(keys: readonly string[]): Promise<Array<Uint8Array | undefined>>;
  set(key: string, bytes: Uint8Array, hardExpiresAt: number, options?: ByteWriteOptions): Promise<void>;
  setMany(items: readonly ByteWrite[], options?: ByteWriteOptions): Promise<void>;
  delete(key: string): Promise<void>;
  deleteMany(keys: readonly string[]): Promise<void>;
  /** Delete every key matching a glob pattern (`*`, `?`, `[...]` as in Redis `MATCH`); resolves to the count deleted. */
  deletePattern(pattern: string): Promise<number>;
  /** False while the tier is known to be failing (circuit open, disk error): the stack then skips optional writes. */
  isHealthy(): boolean;
  close(): Promise<void>;
}
