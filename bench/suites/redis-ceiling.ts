// The server's own ceiling: redis-benchmark -P 16 GET on a fresh redis-server, alternated with Strata's L2 get
// throughput (L1 off, many calls in flight) on the same server. Strata cannot beat this number: it shows how much
// of what the server can do a Node client reaches.
import { spawnSync } from 'node:child_process';
import { do_not_optimize } from 'mitata';
import { compareRounds } from '../lib/compare.js';
import { makeKeys, productValue } from '../lib/keys.js';
import { throughput } from '../lib/load.js';
import { strataRedis } from '../lib/peers.js';
import { startRedis } from '../lib/redisServer.js';
import { log, newResult, runIfMain, type Suite } from '../lib/suite.js';

const REQUESTS = 200_000;
const CONCURRENCY = 64;
const KEY_COUNT = 1_000;

function redisBenchmark(port: number): number {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-P', '16', '-t', 'get', '-n', String(REQUESTS), '-q'];
  const out = spawnSync('redis-benchmark', args, { encoding: 'utf8', timeout: 120_000 });
  const match = /GET: ([\d.]+) requests per second/.exec(`${out.stdout ?? ''}`.replaceAll('\r', '\n'));
  if (match === null) throw new Error(`redis-benchmark printed no GET rate (exit ${out.status}): ${out.stderr ?? ''}`);
  return Number(match[1]);
}

export const redisCeiling: Suite = async ({ quick }) => {
  const result = newResult('redis-ceiling', "Redis server's ceiling (redis-benchmark -P 16) vs Strata L2 get", quick);
  result.command = 'cd bench && npx tsx suites/redis-ceiling.ts' + (quick ? ' --quick' : '');
  if (spawnSync('redis-benchmark', ['--version'], { stdio: 'ignore' }).status !== 0) {
    result.skipped = 'redis-benchmark is not installed (Debian package redis-tools)';
    return result;
  }
  const redis = await startRedis();
  try {
    const strata = strataRedis(redis.url, false);
    const keys = makeKeys(KEY_COUNT);
    for (const [i, key] of keys.entries()) await strata.set(key, productValue(i));
    const rounds = quick ? 3 : 7;
    const rates = new Map<string, number[]>([['Strata L2 get', []], ['redis-benchmark -P 16 GET', []]]);
    for (let round = 0; round < rounds; round++) {
      const strataFirst = round % 2 === 0;
      const measureStrata = async (): Promise<void> => {
        rates.get('Strata L2 get')!.push(await throughput((i) => strata.get(keys[i % KEY_COUNT]!).then(do_not_optimize), CONCURRENCY, quick ? 500 : 1500));
      };
      if (strataFirst) await measureStrata();
      rates.get('redis-benchmark -P 16 GET')!.push(redisBenchmark(redis.port));
      if (!strataFirst) await measureStrata();
      log(`redis-ceiling: round ${round + 1}/${rounds}`);
    }
    result.comparisons.push(compareRounds('GET throughput against the server ceiling', 'ops/s', false, 'Strata L2 get', rates));
    result.figures = { requestsPerRedisBenchmark: REQUESTS, strataConcurrency: CONCURRENCY, rounds, redis: redis.version };
    result.notes.push(`redis-benchmark command: redis-benchmark -h 127.0.0.1 -p <port> -P 16 -t get -n ${REQUESTS} -q (it GETs a key that does not exist: the pure server ceiling).`);
    await strata.close();
  } finally {
    await redis.stop();
  }
  return result;
};

await runIfMain(import.meta.url, redisCeiling);
