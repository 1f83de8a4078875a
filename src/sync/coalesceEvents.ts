import type { ReplicatedEvent } from './events.js';

/**
 * Merges the key events of one batch that share a type, namespace and class into one event (keys joined, the
 * earliest time kept, so no receiver refuses a copy that is newer than the change it saw); other events are kept
 * as they are. The result keeps the order of first appearance.
 */
export function coalesceEvents(events: readonly ReplicatedEvent[]): ReplicatedEvent[] {
  if (events.length < 2) return [...events];
  const out: ReplicatedEvent[] = [];
  const merged = new Map<string, { type: 'keys' | 'set'; namespace: string; className: string; keys: string[]; at?: number }>();
  for (const event of events) {
    if (event.type !== 'keys' && event.type !== 'set') {
      out.push(event);
      continue;
    }
    const id = `${event.type}\u0000${event.namespace}\u0000${event.className}`;
    const known = merged.get(id);
    if (known === undefined) {
      const copy = { type: event.type, namespace: event.namespace, className: event.className, keys: [...event.keys], at: event.at };
      merged.set(id, copy);
      out.push(copy);
      continue;
    }
    known.keys.push(...event.keys);
    // An event without a time (an older sender's) makes the merged one carry none: receivers then refuse nothing.
    known.at = known.at === undefined || event.at === undefined ? undefined : Math.min(known.at, event.at);
  }
  return out;
}
