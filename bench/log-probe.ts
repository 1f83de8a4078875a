// An unloaded reader of the invalidation log: tails the stream with XREAD BLOCK and reports append → read (the stream
// id's millisecond against this process's clock), p50 / p99 / max. Run it beside a point of bench/cluster.ts to see how
// fast Redis hands events out when the reader has no other work (docs/coherence.md, "2026-12-06"):
//   npx tsx bench/cluster.ts --instances 10 --quick --rate 200 --seconds 25 &
//   npx tsx bench/log-probe.ts --port <any cluster node's port, see `pgrep -a redis-server`> --seconds 20
// Prints one JSON line; writes nothing.
import { parseArgs } from 'node:util';
import { Cluster } from 'ioredis';

const { values: args } = parseArgs({ options: { port: { type: 'string' }, seconds: { type: 'string', default: '20' }, key: { type: 'string', default: '*:log' } } });
const port = Number(args.port);
const seconds = Number(args.seconds);
if (!Number.isInteger(port) || port < 1 || !(seconds > 0)) throw new Error('usage: log-probe.ts --port P [--seconds S] [--key PATTERN]');

const cluster = new Cluster([{ host: '127.0.0.1', port }]);
let key: string | undefined;
for (let tries = 0; tries < 100 && key === undefined; tries++) {
  for (const node of cluster.nodes('master')) {
    const [, keys] = await node.scan('0', 'MATCH', args.key, 'COUNT', 100_000, 'TYPE', 'stream');
    key ??= keys[0];
  }
  if (key === undefined) await new Promise((resolve) => setTimeout(resolve, 500));
}
if (key === undefined) throw new Error(`no stream matching ${args.key} on the cluster at port ${port}`);

type Entry = [id: string, fields: string[]];
const lags: number[] = [];
let last = '$';
const end = Date.now() + seconds * 1000;
while (Date.now() < end) {
  const reply = (await cluster.call('XREAD', 'COUNT', 1000, 'BLOCK', 1000, 'STREAMS', key, last)) as [string, Entry[]] | Array<[string, Entry[]]> | null;
  const now = Date.now();
  if (reply === null) continue;
  // ioredis gives [[key, entries]], or [key, entries] when it flattens a one-stream reply.
  const entries = typeof reply[0] === 'string' ? (reply as [string, Entry[]])[1] : (reply as Array<[string, Entry[]]>)[0]![1];
  for (const [id] of entries) lags.push(now - Number(id.split('-')[0]));
  if (entries.length > 0) last = entries.at(-1)![0];
}
lags.sort((a, b) => a - b);
const quantile = (q: number): number | undefined => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))];
console.log(JSON.stringify({ key, events: lags.length, appendToReadMs: { p50: quantile(0.5), p99: quantile(0.99), max: lags.at(-1) } }));
cluster.disconnect();
