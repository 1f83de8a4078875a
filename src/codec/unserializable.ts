/** Where a value holds something the serializer refuses, and what. */
export interface Unserializable {
  /** e.g. `value.items[3].fn` */
  path: string;
  reason: string;
}

/** Deeper values are refused: msgpackr recurses once per level and would run out of stack. */
export const MAX_DEPTH = 1000;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function childPath(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describeMapKey(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'number' || typeof key === 'boolean' || key === null || key === undefined) return String(key);
  return typeof key;
}

function isLeafObject(value: object): boolean {
  return (
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    value instanceof Date ||
    value instanceof RegExp ||
    value instanceof Error
  );
}

/**
 * Walks `value` the way the serializer does and names the first field it cannot store: a function, a symbol, a cycle,
 * or nesting deeper than {@link MAX_DEPTH}. Only called after serialization failed, so it need not be fast.
 * Class instances are walked like plain objects (their own enumerable fields, or what their `toJSON` returns).
 */
export function findUnserializable(value: unknown, rootPath = 'value'): Unserializable | undefined {
  const ancestors = new Map<object, string>();

  const visit = (current: unknown, path: string, depth: number): Unserializable | undefined => {
    if (typeof current === 'function') return { path, reason: 'a function' };
    if (typeof current === 'symbol') return { path, reason: 'a symbol' };
    if (typeof current !== 'object' || current === null || isLeafObject(current)) return undefined;
    if (depth > MAX_DEPTH) return { path, reason: `nested more than ${MAX_DEPTH} levels deep` };
    const seenAt = ancestors.get(current);
    if (seenAt !== undefined) return { path, reason: `a cycle (refers back to ${seenAt})` };
    ancestors.set(current, path);
    const found = visitChildren(current, path, depth);
    ancestors.delete(current);
    return found;
  };

  const visitChildren = (current: object, path: string, depth: number): Unserializable | undefined => {
    if (Array.isArray(current)) {
      for (let i = 0; i < current.length; i++) {
        const found = visit(current[i], `${path}[${i}]`, depth + 1);
        if (found) return found;
      }
      return undefined;
    }
    if (current instanceof Map) {
      let i = 0;
      for (const [key, entry] of current) {
        const found =
          visit(key, `${path}.keys()[${i}]`, depth + 1) ?? visit(entry, `${path}.get(${describeMapKey(key)})`, depth + 1);
        if (found) return found;
        i++;
      }
      return undefined;
    }
    if (current instanceof Set) {
      let i = 0;
      for (const item of current) {
        const found = visit(item, `${path}.values()[${i}]`, depth + 1);
        if (found) return found;
        i++;
      }
      return undefined;
    }
    const record = current as Record<string, unknown> & { toJSON?: unknown };
    if (current.constructor !== Object && typeof record.toJSON === 'function') {
      return visit((record.toJSON as () => unknown)(), path, depth + 1);
    }
    for (const key in record) {
      if (typeof record.hasOwnProperty === 'function' && !Object.prototype.hasOwnProperty.call(record, key)) continue;
      const found = visit(record[key], childPath(path, key), depth + 1);
      if (found) return found;
    }
    return undefined;
  };

  try {
    return visit(value, rootPath, 0);
  } catch (err) {
    return { path: rootPath, reason: `reading it threw (${err instanceof Error ? err.message : String(err)})` };
  }
}
