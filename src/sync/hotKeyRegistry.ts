import type { Cluster, Redis } from 'ioredis';

/** A key and how often it was read (estimated reads, decayed over the publishing intervals). */
export interface HotKey {
  key: string;
  score: number;
}

/** A namespace + data class some instance published hot keys for. */
export interface HotClass {
  namespace: string;
  className: string;
}

/**
 * Where instances publish their hottest keys, in Redis:
 * - `{prefix}:hot:{ns:class}:i:{instanceId}`: a sorted set per instance (key → score), replaced at each publication
 *   and expiring `ttlMs` after it, so a stopped instance's list fades out by itself;
 * - `{prefix}:hot:{ns:class}:instances`: which instances published, scored by when their list expires;
 * - `{prefix}:hot:classes`: the namespaces + classes with a live list, scored the same way.
 * The hash tag `{ns:class}` puts every list of one class and its member set in one cluster slot, so a publication
 * is one MULTI and a merge one pipeline, on a Cluster as on a single server.
 */
export class HotKeyRegistry {
  constructor(
    private readonly client: Redis | Cluster,
    /** Connection prefix + cache prefix, as for the replicated log. */
    private readonly keyPrefix: string,
    /** How long a publication stays visible without being renewed, ms. */
    readonly ttlMs: number,
  ) {}

  private listKey(namespace: string, className: string, instanceId: string): string {
    return `${this.keyPrefix}:hot:{${namespace}:${className}}:i:${instanceId}`;
  }

  private membersKey(namespace: string, className: string): string {
    return `${this.keyPrefix}:hot:{${namespace}:${className}}:instances`;
  }

  private get classesKey(): string {
    return `${this.keyPrefix}:hot:classes`;
  }

  /** Replaces this instance's list for a class. Rejects when Redis fails. */
  async publish(namespace: string, className: string, instanceId: string, keys: readonly HotKey[]): Promise<void> {
    if (keys.length === 0) return;
    const now = Date.now();
    const until = now + this.ttlMs;
    const list = this.listKey(namespace, className, instanceId);
    const members = this.membersKey(namespace, className);
    const scored: Array<string | number> = [];
    for (const { key, score } of keys) scored.push(score, key);
    const replies = await this.client
      .multi()
      .unlink(list)
      .zadd(list, ...scored)
      .pexpire(list, this.ttlMs)
      .zadd(members, until, instanceId)
      .zremrangebyscore(members, '-inf', now)
      .pexpire(members, this.ttlMs)
      .exec();
    for (const [err] of replies ?? []) if (err !== null) throw err;
    await this.client.zadd(this.classesKey, until, `${namespace}:${className}`);
    await this.client.zremrangebyscore(this.classesKey, '-inf', now);
  }

  /** The namespaces + classes with a live list. Rejects when Redis fails. */
  async classes(): Promise<HotClass[]> {
    const names = await this.client.zrangebyscore(this.classesKey, Date.now(), '+inf');
    return names.map((name) => {
      const at = name.indexOf(':');
      return { namespace: name.slice(0, at), className: name.slice(at + 1) };
    });
  }

  /** The `top` keys of a class over every live instance's list (scores summed), hottest first. Rejects when Redis fails. */
  async merged(namespace: string, className: string, top: number): Promise<HotKey[]> {
    const instances = await this.client.zrangebyscore(this.membersKey(namespace, className), Date.now(), '+inf');
    if (instances.length === 0) return [];
    const pipeline = this.client.pipeline();
    for (const id of instances) pipeline.zrevrange(this.listKey(namespace, className, id), 0, top - 1, 'WITHSCORES');
    const replies = (await pipeline.exec()) ?? [];
    const sums = new Map<string, number>();
    for (const [err, reply] of replies) {
      if (err !== null) throw err;
      const flat = reply as string[];
      for (let i = 0; i + 1 < flat.length; i += 2) sums.set(flat[i] as string, (sums.get(flat[i] as string) ?? 0) + Number(flat[i + 1]));
    }
    return [...sums]
      .map(([key, score]) => ({ key, score }))
      .sort((a, b) => b.score - a.score)
      .slice(0, top);
  }
}
