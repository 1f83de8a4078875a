import { createStrata } from '../../src/index.js';

/** What the coordinator asks an instance to do, over the IPC channel. */
export type Request = { id: number } & ({ op: 'set'; key: string; value: unknown } | { op: 'get'; key: string } | { op: 'getWithTier'; key: string } | { op: 'delete'; key: string } | { op: 'applied' } | { op: 'close' });

/** The answer to a request: the value read (`get`), and the pid that served it. */
export interface Reply {
  id: number;
  pid: number;
  value?: unknown;
  error?: string;
}

const url = process.env.REDIS_URL;
if (url === undefined || process.send === undefined) {
  console.error('instance.ts is started by main.ts (it needs REDIS_URL and an IPC channel)');
  process.exit(2);
}

// Each instance keeps its own L1 over the shared Redis Cluster; the replicated invalidation log (a Redis Stream every
// instance tails) tells the others to drop their L1 copies when one instance deletes or overwrites a key.
const cache = createStrata({ namespace: 'multi-instance-example', l3: false, l2: url });
await cache.ready();
const options = { class: 'products' };
const reply = (message: Reply): void => void process.send!(message);
cache.on('tier:error', (event) => console.error(`instance ${process.pid}: tier error`, event));

process.on('message', (request: Request) => {
  const run = async (): Promise<unknown> => {
    switch (request.op) {
      case 'set':
        return cache.set(request.key, request.value, options);
      case 'get':
        return cache.get(request.key, options);
      case 'getWithTier': {
        // getOrSetWithInfo says which tier answered; the factory only runs on a miss.
        const { value, tier } = await cache.getOrSetWithInfo(request.key, () => undefined, options);
        return { value, tier };
      }
      case 'applied':
        return cache.stats().sync?.applied ?? 0;
      case 'delete':
        return cache.delete(request.key, options);
      case 'close':
        return cache.close();
    }
  };
  run().then(
    (value) => reply({ id: request.id, pid: process.pid, value }),
    (error: unknown) => reply({ id: request.id, pid: process.pid, error: String(error) }),
  ).finally(() => {
    if (request.op === 'close') process.disconnect();
  });
});

reply({ id: 0, pid: process.pid });
