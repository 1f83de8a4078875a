/**
 * What travels on the replicated log between instances: keys and tags, never values (DESIGN.md, decision 4).
 * Full keys are not sent; a receiver rebuilds them from namespace + class + key with its own prefix.
 */
export type InvalidationEvent =
  | { type: 'keys'; namespace: string; className: string; keys: readonly string[] }
  | { type: 'tags'; tags: readonly string[]; at: number }
  | { type: 'clear'; namespace: string }
  | { type: 'pattern'; namespace: string; className: string; pattern: string };
