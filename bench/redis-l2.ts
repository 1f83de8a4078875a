// L2 read cost: raw ioredis (auto-pipelined getBuffer) against RedisTier.get on the same local server,
// the same keys and value sizes, in the same run. Writes bench/results/l2.json.
//   npx tsx bench/redis-l2.ts [--quick]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createRedisClient } from '../src/redis/connection.js';
import { adminCommand, startLocalTopology } from '../src/redis/localTopology.js';
import { RedisTier } from '../src/tiers/redis.js';

const quick = process.argv.includes('--quick');
const sizes = quick ? [1024] : [128, 1024, 16_384];
const keyCount = 1000;
const concurrency = 64;
// Short alternating slices so both sides see the same background load on a shared machine.
const throughputMs = quick ? 250 : 500;
const rounds = quick ? 4 : 10;
const sequentialOps = quick ? 1000 : 5000;

type Get = (key: string) => Promise<unknown>;

async function throughput(get: Get, keys: string[]): Promise<number> {
  let ops = 0;
  const end = performance.now() + throughputMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = w; performance.now() < end; i += concurrency) {
        await get(keys[i % keys.length] as string);
        ops++;
      }
    }),
  );
  return (ops * 1000) / throughputMs;
}

async function sequential(get: Get, keys: string[]): Promise<{ p50Ms: number; p99Ms: number }> {
  const samples = new Float64Array(sequentialOps);
  for (let i = 0; i < sequentialOps; i++) {
    const start = performance.now();
    await get(keys[i % keys.length] as string);
    samples[i] = performance.now() - start;
  }
  samples.sort();
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] as number;
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

const dir = mkdtempSync(join(tmpdir(), 'strata-bench-l2-'));
const topology = await startLocalTopology('standalone', { dir });
const port = topology.serverPorts[0] as number;
const raw = new Redis({ host: '127.0.0.1', port, enableAutoPipelining: true });
const tier = new RedisTier(createRedisClient({ url: topology.url, healthCheckIntervalMs: 0 }));
try {
  const serverInfo = String(await adminCommand(port, 'INFO', 'server'));
  const results = [];
  for (const size of sizes) {
    const keys = Array.from({ length: keyCount }, (_, i) => `bench:${size}:${i}`);
    await tier.setMany(keys.map((key) => ({ key, bytes: Buffer.alloc(size, 7), hardExpiresAt: Date.now() + 600_000 })));
    const rawGet: Get = (key) => raw.getBuffer(key);
    const tierGet: Get = (key) => tier.get(key);
    await throughput(rawGet, keys);
    await throughput(tierGet, keys);
    const rawOps: number[] = [];
    const tierOps: number[] = [];
    for (let r = 0; r < rounds; r++) {
      rawOps.push(await throughput(rawGet, keys));
      tierOps.push(await throughput(tierGet, keys));
    }
    const rawLatency = await sequential(rawGet, keys);
    const tierLatency = await sequential(tierGet, keys);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const row = {
      valueBytes: size,
      raw: { opsPerSec: Math.round(mean(rawOps)), ...rawLatency },
      strata: { opsPerSec: Math.round(mean(tierOps)), ...tierLatency },
      throughputRatio: mean(tierOps) / mean(rawOps),
      p99Ratio: tierLatency.p99Ms / rawLatency.p99Ms,
    };
    results.push(row);
    console.log(JSON.stringify(row));
  }
  const report = {
    benchmark: 'l2-get',
    command: `npx tsx bench/redis-l2.ts${quick ? ' --quick' : ''}`,
    date: new Date().toISOString(),
    node: process.version,
    redis: /redis_version:(\S+)/.exec(serverInfo)?.[1],
    settings: { keyCount, concurrency, throughputMs, rounds, sequentialOps },
    // Other work on the machine skews both sides; the load average says how much to trust a run.
    loadAverage1m: loadavg()[0],
    results,
  };
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(join('bench', 'results', 'l2.json'), `${JSON.stringify(report, null, 2)}\n`);
} finally {
  raw.disconnect();
  await tier.close();
  await topology.stop();
  rmSync(dir, { recursive: true, force: true });
}
