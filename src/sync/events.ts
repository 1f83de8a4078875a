/**
 * What travels on the replicated log between instances: keys and tags, never values (DESIGN.md, decision 4).
 * Full keys are not sent; a receiver rebuilds them from namespace + class + key with its own prefix.
 * `at` on a key event is the time of the change on the sender's clock (ms since the epoch): a receiver refuses to
 * copy an entry created before it (absent in events of releases that did not send it).
 */
export type InvalidationEvent =
  | { type: 'keys'; namespace: string; className: string; keys: readonly string[]; at?: number }
  | { type: 'tags'; tags: readonly string[]; at: number }
  | { type: 'clear'; namespace: string }
  | { type: 'pattern'; namespace: string; className: string; pattern: string };

/**
 * An event on the replicated log: an invalidation, or `set` (keys whose shared value was replaced: other instances
 * drop their local copies, the new value is in L2 or on its way there; `at` is the oldest created-at of the new entries).
 */
export type ReplicatedEvent = InvalidationEvent | { type: 'set'; namespace: string; className: string; keys: readonly string[]; at?: number };
