import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/** Deletes the lock only if it still holds this holder's token: a lock that expired and was taken over is left alone. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * A lock per key across instances (DESIGN.md, decision 5): `SET {prefix}:lock:{fullKey} <token> NX PX <ttl>`.
 * The lock expires by itself, so a holder that crashed blocks nobody past `ttlMs`. Each lock is one key, so it
 * works on a Cluster whatever slot the value's key hashes to.
 */
export class DistributedLock {
  constructor(
    private readonly client: Redis | Cluster,
    private readonly keyPrefix: string,
    /** How long a lock lives unless released, ms: the longest a waiter waits for another instance's factory. */
    readonly ttlMs: number,
    /** The start of `keyPrefix` that the L2 tier adds to every key itself (the connection's key prefix). */
    private readonly tierKeyPrefix = '',
  ) {}

  private lockKey(fullKey: string): string {
    return `${this.keyPrefix}:lock:${fullKey}`;
  }

  /** The token of a newly taken lock, or `undefined` when another holder has it. Rejects when Redis fails. */
  async tryAcquire(fullKey: string): Promise<string | undefined> {
    const token = randomUUID();
    const reply = await this.client.set(this.lockKey(fullKey), token, 'PX', this.ttlMs, 'NX');
    return reply === 'OK' ? token : undefined;
  }

  /**
   * A new lock for the L2 tier to take in the same step as its read of the value (`ByteTier.getOrClaim`): no round
   * trip of its own, and no window between a read that missed and the lock being taken.
   */
  claim(fullKey: string): { key: string; value: string; ttlMs: number } {
    return { key: this.lockKey(fullKey).slice(this.tierKeyPrefix.length), value: randomUUID(), ttlMs: this.ttlMs };
  }

  /** Whether someone holds the lock. Rejects when Redis fails. */
  async isHeld(fullKey: string): Promise<boolean> {
    return (await this.client.exists(this.lockKey(fullKey))) === 1;
  }

  /** Releases a lock this holder took; resolves to whether it was still held by it. */
  async release(fullKey: string, token: string): Promise<boolean> {
    return (await this.client.eval(RELEASE, 1, this.lockKey(fullKey), token)) === 1;
  }
}
