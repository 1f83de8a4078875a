import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Reply, Request } from './instance.js';

const url = process.argv[2] ?? process.env.REDIS_URL;
if (url === undefined) {
  console.error('usage: npx tsx examples/multi-instance/main.ts <redis url>   (the URL `npm run strata -- redis up cluster` prints)');
  process.exit(2);
}

type Operation = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** One cache instance in its own process, driven over IPC. */
class Instance {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  readonly ready: Promise<Reply>;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.ready = new Promise((resolve) => this.pending.set(0, resolve));
    child.on('message', (reply: Reply) => {
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
  }

  async run(operation: Operation): Promise<unknown> {
    const id = this.nextId++;
    const reply = await new Promise<Reply>((resolve) => {
      this.pending.set(id, resolve);
      this.child.send({ ...operation, id });
    });
    if (reply.error !== undefined) throw new Error(`instance ${this.name}: ${reply.error}`);
    return reply.value;
  }
}

const script = fileURLToPath(new URL('./instance.ts', import.meta.url));
const instances = ['A', 'B', 'C'].map((name) => new Instance(name, fork(script, { execArgv: ['--import', 'tsx'], env: { ...process.env, REDIS_URL: url } })));
const [a, b, c] = instances as [Instance, Instance, Instance];
for (const instance of instances) console.log(`instance ${instance.name}: pid ${(await instance.ready).pid}`);
console.log(`all three share ${url}\n`);

const show = (value: unknown): string => (value === undefined ? '(miss)' : JSON.stringify(value));
const product = { id: 42, name: 'X200 wireless headphones', price: 199 };

/** Events of the other instances' log each of these instances has applied so far. */
const appliedBy = async (readers: Instance[]): Promise<number[]> => (await Promise.all(readers.map((i) => i.run({ op: 'applied' })))) as number[];
/** Waits until each reader has applied at least one more event than `before` says. */
async function untilApplied(readers: Instance[], before: number[]): Promise<void> {
  for (const [i, reader] of readers.entries()) {
    while (((await reader.run({ op: 'applied' })) as number) <= before[i]!) await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

let before = await appliedBy([b, c]);
await a.run({ op: 'set', key: 'product:42', value: product });
console.log(`A set  product:42 = ${show(product)}`);
// A's write is announced on the log too (B and C drop any copy older than it): let it land before B and C read.
await untilApplied([b, c], before);
for (const reader of [b, c]) console.log(`${reader.name} get  product:42 → ${show(await reader.run({ op: 'get', key: 'product:42' }))}`);
for (const reader of [a, b]) {
  const { tier } = (await reader.run({ op: 'getWithTier', key: 'product:42' })) as { tier: string };
  console.log(`${reader.name} reads product:42 again from its ${tier === 'l1' ? 'own memory (L1)' : tier}`);
}

// Keys hash to different cluster slots, so they live on different masters: every instance still reads them all.
const keys = Array.from({ length: 30 }, (_, i) => `product:${100 + i}`);
await Promise.all(keys.map((key, i) => b.run({ op: 'set', key, value: { price: i } })));
const seen = await Promise.all(keys.map((key) => c.run({ op: 'get', key })));
console.log(`B set  ${keys.length} keys spread over the cluster's slots; C reads ${seen.filter((v) => v !== undefined).length}/${keys.length}`);

/** Applied counts once nothing is in flight: three equal readings 100 ms apart (B's 30 set events included). */
async function settledApplied(readers: Instance[]): Promise<number[]> {
  let last: number[] = [];
  for (let same = 0; same < 3; ) {
    const now = await appliedBy(readers);
    same = now.every((n, i) => n === last[i]) ? same + 1 : 0;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return last;
}

// The delete resolves once the event is in the log; A and B apply it within milliseconds. The example waits until
// they have, rather than guessing a delay, so its output is the same on a busy machine.
before = await settledApplied([a, b]);
const started = performance.now();
await c.run({ op: 'delete', key: 'product:42' });
console.log('C delete product:42');
await untilApplied([a, b], before);
console.error(`(A and B applied C's invalidation within ${(performance.now() - started).toFixed(1)} ms of C's call)`);
for (const reader of [a, b]) console.log(`${reader.name} get  product:42 → ${show(await reader.run({ op: 'get', key: 'product:42' }))}`);

await Promise.all(keys.map((key) => a.run({ op: 'delete', key })));
await Promise.all(instances.map((i) => i.run({ op: 'close' })));
