import { createStrata } from '../../src/index.js';

/** What the coordinator asks an instance to do, over the IPC channel. */
export type Request = { id: number } & ({ op: 'set'; key: string; value: unknown } | { op: 'get'; key: string } | { op: 'delete'; key: string } | { op: 'close' });

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

// No L1: every read goes to the shared Redis Cluster, so a delete on one instance is seen at once by the others.
// With the replicated invalidation log (DESIGN.md, decision 4) instances keep an L1 and drop its copies on delete.
const cache = createStrata({ namespace: 'multi-instance-example', l1: false, l3: false, l2: url });
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
