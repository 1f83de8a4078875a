/**
 * What travels on the replicated log between instances: keys and tags, never values (DESIGN.md, decision 4).
 * Full keys are not sent; a receiver rebuilds them from namespace + class + key with its own prefix.
 */
export type InvalidationEvent =
  | { type: 'keys'; namespace: string; className: string; keys: readonly string[] }
  | { type: 'tags'; tags: readonly string[]; at: number }
  | { type: 'clear'; namespace: string }
  | { type: 'pattern'; namespace: string; className: string; pattern: string };

/**
 * An event on the replicated log: an invalidation, or `set` (keys whose shared value was replaced: other instances
 * drop their local copies, the new value is in L2).
 */
export type ReplicatedEvent = InvalidationEvent | { type: 'set'; namespace: string; className: string; keys: readonly string[] };
