// A throwaway redis-server on a free loopback port, for the suites that measure L2.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalTopology } from '../../src/redis/localTopology.js';

export interface BenchRedis {
  url: string;
  host: string;
  port: number;
  version: string;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<BenchRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-redis-'));
  const topology = await startLocalTopology('standalone', { dir });
  const port = topology.serverPorts[0]!;
  return {
    url: `redis://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    version: redisVersion(),
    async stop() {
      await topology.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function redisVersion(): string {
  const out = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return /v=(\S+)/.exec(out.stdout ?? '')?.[1] ?? 'not installed';
}
