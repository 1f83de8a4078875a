import { resolve } from 'node:path';
import { createRedisClient, createStrata, ErrorCode, PROFILES, RedisMonitor, RedisTier, StrataError, type ProfileName, type RedisConnection, type StrataOptions } from '../../index.js';
import { createServer } from '../../server/index.js';
import type { Command } from '../command.js';
import { loadConfig, optionsHelp, type ServeConfig } from '../config.js';

const usage = `Usage: strata serve [options]

Runs the sidecar HTTP server: the REST API under /v1, /metrics, /health/live, /health/ready, /openapi.json and the
live dashboard at /. Without Redis it runs the embedded default: L1 memory + L3 disk under ./.strata.

Options:
${optionsHelp()}

Examples:
  strata serve                                   embedded default on http://127.0.0.1:8080/
  strata serve --redis redis://127.0.0.1:6379    adds Redis as L2
  REDIS_URL=redis+cluster://127.0.0.1:7000 strata serve --port 9000
  strata serve --host 0.0.0.0 --token "$(openssl rand -hex 24)"`;

function checkProfile(profile: string | undefined): ProfileName | undefined {
  if (profile === undefined) return undefined;
  if (!(profile in PROFILES)) throw new StrataError(ErrorCode.INVALID_OPTION, `--profile must be one of ${Object.keys(PROFILES).join(', ')}; got '${profile}'`);
  return profile as ProfileName;
}

/** The cache and Redis monitor a configuration describes; shared with `strata stats` for its local mode. */
export function openCache(config: ServeConfig): { cache: ReturnType<typeof createStrata>; monitor: RedisMonitor | undefined } {
  let monitor: RedisMonitor | undefined;
  let l2: StrataOptions['l2'];
  let connection: RedisConnection | undefined;
  if (config.redis !== undefined) {
    connection = createRedisClient(config.redis);
    l2 = new RedisTier(connection);
    monitor = new RedisMonitor(connection);
  }
  const cache = createStrata({
    l1: config.l1MaxBytes === undefined ? {} : { maxBytes: config.l1MaxBytes },
    l2,
    l3: config.noL3 ? false : { path: resolve(config.dataDir), maxBytes: config.l3MaxBytes },
    namespace: config.namespace,
    prefix: config.prefix,
    profile: checkProfile(config.profile),
    // With Redis, the server publishes its hot keys and warms its L1 from every instance's before it reports ready.
    hotKeys: connection === undefined ? false : { connection, warmOnStart: { namespaces: '*', top: config.top } },
  });
  return { cache, monitor };
}

function dashboardUrl(address: string, config: ServeConfig): string {
  const url = new URL(address);
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = '127.0.0.1';
  return `${url.origin}/${config.token === undefined ? '' : '#token=<your token>'}`;
}

async function run(argv: string[]): Promise<number> {
  const { config } = loadConfig(argv);
  const { cache, monitor } = openCache(config);
  let server;
  try {
    server = createServer({
      cache,
      monitor,
      token: config.token,
      host: config.host,
      port: config.port,
      limits: { bodyLimit: config.bodyLimit, maxKeyBytes: config.maxKeyBytes },
      logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    });
  } catch (err) {
    await cache.close();
    await monitor?.close();
    throw err;
  }
  const address = await server.listen();
  const mode = config.redis === undefined ? `embedded (L1 memory${config.noL3 ? '' : ` + L3 disk at ${resolve(config.dataDir)}`}, no Redis)` : `L1 + L2 Redis${config.noL3 ? '' : ' + L3'}`;
  console.log(`Strata is serving ${mode}`);
  console.log(`Dashboard: ${dashboardUrl(address, config)}`);
  console.log(`API: ${address}/v1 (described at ${address}/openapi.json) · metrics: ${address}/metrics`);

  return new Promise<number>((done) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        console.error(`strata: ${signal} again, exiting without waiting`);
        process.exit(1);
      }
      stopping = true;
      console.log(`strata: ${signal}, shutting down (finishing requests in flight, then closing the cache)`);
      // Readiness fails first and the port stays open for the drain delay: closing a listening socket resets the
      // connections still in its accept queue, so load balancers must stop sending before it closes.
      server.drain();
      new Promise((resolveDelay) => setTimeout(resolveDelay, config.drainDelayMs))
        // Stop accepting so no request lands on a closed cache, then flush and close the tiers.
        .then(() => server.close())
        .then(() => cache.close())
        .then(() => monitor?.close())
        .then(
          () => done(0),
          (err: unknown) => {
            console.error('strata: shutdown failed', err);
            done(1);
          },
        );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

const command: Command = { name: 'serve', summary: 'run the HTTP API, metrics and dashboard', usage, run };
export default command;
