// Rolling restart of `strata serve` processes sharing one local Redis, under load: each instance gets SIGTERM and
// is started again while clients keep sending get / set / get-then-set requests (bench/lib/rollingRestart.ts).
// Counts failed requests with the drain delay (the supported procedure, docs/rolling-deploys.md) and without it,
// and with keep-alive clients. Writes bench/results/rolling-restart.json (rolling-restart-quick.json with --quick).
//   npx tsx bench/rolling-restart.ts [--quick]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis } from './lib/redisServer.js';
import { rollingRestart, type RollingRestartOptions } from './lib/rollingRestart.js';

const quick = process.argv.includes('--quick');
const here = dirname(fileURLToPath(import.meta.url));
const instances = quick ? 3 : 4;

const variants: Array<{ name: string; drainDelayMs: number; keepAlive: boolean }> = [
  { name: 'drain delay 1000 ms, one connection per request', drainDelayMs: 1000, keepAlive: false },
  { name: 'no drain delay, one connection per request', drainDelayMs: 0, keepAlive: false },
  { name: 'drain delay 1000 ms, keep-alive connections', drainDelayMs: 1000, keepAlive: true },
];

const redis = await startRedis();
const runs = [];
try {
  for (const variant of variants) {
    const options: RollingRestartOptions = { redisUrl: redis.url, instances, workers: 8, keys: 200, drainDelayMs: variant.drainDelayMs, healthCheckMs: 100, keepAlive: variant.keepAlive, settleMs: quick ? 300 : 1000, deadlineMs: 300_000 };
    const report = await rollingRestart(options);
    runs.push({
      variant: variant.name,
      options: { instances, workers: options.workers, keys: options.keys, drainDelayMs: options.drainDelayMs, healthCheckMs: options.healthCheckMs, keepAlive: options.keepAlive },
      requests: report.requests,
      failed: report.failures.length,
      wrongValues: report.wrongValues,
      retriedOnRefused: report.retriedOnRefused,
      exitCodes: report.exitCodes,
      loadSeconds: Math.round(report.loadSeconds * 10) / 10,
      failureSamples: report.failures.slice(0, 5),
    });
    console.log(`${variant.name}: ${report.requests} requests in ${report.loadSeconds.toFixed(1)} s, ${report.failures.length} failed, ${report.retriedOnRefused} retried on refused, exit codes ${report.exitCodes.join(',')}`);
  }
} finally {
  await redis.stop();
}

const results = { suite: 'rolling-restart', command: `npx tsx bench/rolling-restart.ts${quick ? ' --quick' : ''}`, date: new Date().toISOString(), quick, redis: redis.version, runs };
mkdirSync(join(here, 'results'), { recursive: true });
const file = quick ? 'rolling-restart-quick.json' : 'rolling-restart.json';
writeFileSync(join(here, 'results', file), JSON.stringify(results, null, 2) + '\n');
console.log(`wrote bench/results/${file}`);
