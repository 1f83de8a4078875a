/** Compares two Redis stream ids (`<ms>-<seq>`) numerically: negative, 0 or positive like a sort comparator. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs = '0', aSeq = '0'] = a.split('-');
  const [bMs = '0', bSeq = '0'] = b.split('-');
  const ms = BigInt(aMs) - BigInt(bMs);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(aSeq) - BigInt(bSeq);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

/** The millisecond part of a stream id: the Redis server time at which the entry was added. */
export function streamIdTime(id: string): number {
  return Number(id.split('-')[0]);
}
