import type { TierName } from '../tiers/tier.js';
import type { Duration } from './duration.js';

export type { TierName };

/** The data classes of the product specification; any other name can be configured too. */
export type BuiltInClass = 'default' | 'embeddings' | 'search_results' | 'llm_responses' | 'products' | 'user_sessions';

/** How one class of data is cached. Every field can be overridden per cache (`classes`) and most per call. */
export interface DataClassOptions {
  /** The tiers that hold this class, in read order. */
  tiers: readonly TierName[];
  /** Time to live: after it the entry is stale. */
  ttl: Duration;
  /** How long past its TTL a stale entry is still kept, to be served when the source fails or is slow. */
  grace: Duration;
  /** Compress values above the compression threshold (the codec picks the algorithm). */
  compress: boolean;
  /** Replicas that must acknowledge an L2 write (Redis `WAIT`): 1 means "replication 2". */
  replicas: 0 | 1;
  /** Choose each entry's TTL from how often its key group changes and is read (docs/adaptive-ttl.md); absent: the fixed `ttl`. */
  adaptiveTtl?: AdaptiveTtlOptions;
}

/** Adaptive TTL of a data class: a TTL per key group, from the group's observed change and read rates. */
export interface AdaptiveTtlOptions {
  /** Shortest TTL it may choose. */
  minTtl: Duration;
  /** Longest TTL it may choose (finite): what a group that never changes gets. */
  maxTtl: Duration;
  /** Accepted probability that the source changed before an entry expires, in (0, 1); default 0.05. */
  staleProbability?: number;
  /** The group of a key; default: the key up to its last ':' (`price:42` → `price`); keys without one share a group. */
  group?: (key: string) => string;
  /** Entries read fewer times (group average) than this within the TTL the change rate allows are kept only `minTtl`, to save memory; default 0 (off: it costs hit rate on skewed reads, see docs/adaptive-ttl.md). */
  minReadsPerTtl?: number;
  /** Observations lose half their weight after this long, so the TTL follows a group whose behaviour changes; default '6h'. */
  halfLife?: Duration;
}

/** Defaults from the specification; DESIGN.md, decision 2. */
export const DATA_CLASS_DEFAULTS: Readonly<Record<BuiltInClass, DataClassOptions>> = Object.freeze({
  default: { tiers: ['l1', 'l2', 'l3'], ttl: '1h', grace: 0, compress: true, replicas: 0 },
  embeddings: { tiers: ['l1', 'l2', 'l3'], ttl: '24h', grace: 0, compress: true, replicas: 1 },
  search_results: { tiers: ['l1', 'l2'], ttl: '1h', grace: '10m', compress: false, replicas: 0 },
  llm_responses: { tiers: ['l1', 'l2'], ttl: '30m', grace: '1h', compress: true, replicas: 1 },
  products: { tiers: ['l1', 'l2'], ttl: '1h', grace: '10m', compress: false, replicas: 0 },
  user_sessions: { tiers: ['l1'], ttl: '2h', grace: 0, compress: false, replicas: 0 },
});
