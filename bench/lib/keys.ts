// Keys, values and lookup orders shared by the suites, identical for every contestant.

export interface ProductValue {
  id: number;
  title: string;
  body: string;
}

export function makeKeys(count: number, prefix = 'product'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}:${(i * 7919) % 1_000_003}`);
}

/** A fixed pseudo-random order of lookups over `keys` (seeded: the same for every contestant and every run). */
export function shuffledOrder(keys: readonly string[], length: number): string[] {
  const order: string[] = [];
  let seed = 12345;
  for (let i = 0; i < length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    order.push(keys[seed % keys.length]!);
  }
  return order;
}

/** A small JSON-shaped record (about 300 bytes serialised), typical of a cached API answer. */
export function productValue(id: number): ProductValue {
  return { id, title: `Product ${id}`, body: `Description of product ${id}. `.repeat(8) };
}

/** Cycles through an order: each call returns the next key. */
export class Cursor {
  private index = 0;
  constructor(private readonly order: readonly string[]) {}
  next(): string {
    const key = this.order[this.index]!;
    this.index = this.index + 1 === this.order.length ? 0 : this.index + 1;
    return key;
  }
}
