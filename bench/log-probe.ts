// An unloaded reader of the invalidation log: tails the stream with XREAD BLOCK and reports append → read (the stream
// id's millisecond against this process's clock), p50 / p99 / max. Run it beside a point of bench/cluster.ts to see how
// fast Redis hands events out when the reader has no other work (docs/coherence.md, "2026-12-06"):
//   npx tsx bench/cluster.ts --instances 10 --quick --rate 200 --seconds 25 &
//   npx tsx bench/log-probe.ts --port <any cluster node's port, see `pgrep -a redis-server`> --seconds 20
// Prints one JSON line; writes nothing.
import { parseArgs } from 'node:util';
import { Cluster } from 'ioredis';
import { entriesOf } from '../src/sync/invalidationLog.js';
import { streamIdTime } from '../src/sync/streamId.js';
import { percentile } from './lib/load.js';

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

const lags: number[] = [];
let last = '$';
const end = Date.now() + seconds * 1000;
while (Date.now() < end) {
  const entries = entriesOf(await cluster.call('XREAD', 'COUNT', 1000, 'BLOCK', 1000, 'STREAMS', key, last));
  const now = Date.now();
  for (const [id] of entries) lags.push(now - streamIdTime(id));
  if (entries.length > 0) last = entries.at(-1)![0];
}
const summary = lags.length === 0 ? undefined : { p50: percentile(lags, 50), p99: percentile(lags, 99), max: percentile(lags, 100) };
console.log(JSON.stringify({ key, events: lags.length, appendToReadMs: summary }));
cluster.disconnect();
