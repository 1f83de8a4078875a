// A rolling restart of `strata serve` processes under load, for test/rollingRestart.test.ts and bench/rolling-restart.ts.
// The load balancer is simulated: round robin over the instances in rotation, a health check on /health/ready that
// takes an instance out of rotation, and a retry only when an instance out of rotation refuses the connection.
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findFreePort } from '../../src/redis/localTopology.js';

export interface RollingRestartOptions {
  /** Redis URL every instance uses as L2. */
  redisUrl: string;
  /** Serve processes. */
  instances: number;
  /** Concurrent clients. */
  workers: number;
  /** Keys the clients spread over. */
  keys: number;
  /** `--drain-delay-ms` of every instance. */
  drainDelayMs: number;
  /** Period of the load balancer's health check, ms. */
  healthCheckMs: number;
  /** Reuse connections (keep-alive) instead of one connection per request. */
  keepAlive: boolean;
  /** Load before the first restart and after each instance is back, ms. */
  settleMs: number;
  /** Hard bound of the whole run, ms. */
  deadlineMs: number;
}

export interface RollingRestartReport {
  requests: number;
  /** Every request that failed: a 5xx, a reset or timeout, or a value that is not its key's. */
  failures: string[];
  /** Requests sent again because an instance out of rotation refused the connection. */
  retriedOnRefused: number;
  wrongValues: number;
  /** Exit code of each instance's SIGTERM shutdown. */
  exitCodes: Array<number | null>;
  loadSeconds: number;
}

type NodeState = 'up' | 'draining' | 'down';

interface Instance {
  port: number;
  state: NodeState;
  child: ChildProcess | undefined;
  output: string;
}

interface Reply {
  status: number;
  body: string;
}

const root = resolve(import.meta.dirname, '../..');
const tsx = import.meta.resolve('tsx');

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function call(agent: Agent | false, port: number, method: string, path: string, body?: string): Promise<Reply> {
  return new Promise((resolveReply, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolveReply({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** A value names its key, so a value read under another key (or garbled) is caught. */
function valueFor(key: string, writer: number, n: number): string {
  return `${key}|w${writer}|${n}`;
}

/** Starts the instances, runs the load while each is restarted in turn with SIGTERM, and stops everything. */
export async function rollingRestart(options: RollingRestartOptions): Promise<RollingRestartReport> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-rolling-'));
  const agent = options.keepAlive ? new Agent({ keepAlive: true }) : false;
  const instances: Instance[] = [];
  const report: RollingRestartReport = { requests: 0, failures: [], retriedOnRefused: 0, wrongValues: 0, exitCodes: [], loadSeconds: 0 };

  const start = async (instance: Instance): Promise<void> => {
    instance.output = '';
    const args = ['--import', tsx, join(root, 'src/cli/main.ts'), 'serve', '--port', String(instance.port), '--redis', options.redisUrl, '--no-l3', '--log-level', 'warn', '--drain-delay-ms', String(options.drainDelayMs)];
    const child = spawn(process.execPath, args, { cwd: dir });
    instance.child = child;
    child.stdout?.on('data', (chunk: Buffer) => (instance.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (instance.output += chunk.toString()));
    child.once('exit', () => {
      instance.state = 'down';
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`strata serve exited with ${child.exitCode}:\n${instance.output}`);
      const ready = await call(false, instance.port, 'GET', '/health/ready').catch(() => undefined);
      if (ready?.status === 200) {
        instance.state = 'up';
        return;
      }
      await pause(100);
    }
    throw new Error(`strata serve on ${instance.port} was not ready within 30 s:\n${instance.output}`);
  };

  const stop = (instance: Instance): Promise<number | null> => {
    const child = instance.child as ChildProcess;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    return exited;
  };

  let next = 0;
  const send = async (method: string, path: string, body?: string): Promise<Reply | undefined> => {
    for (let attempt = 0; attempt < options.instances * 4; attempt++) {
      const candidates = instances.filter((i) => i.state === 'up');
      if (candidates.length === 0) {
        await pause(20);
        continue;
      }
      const instance = candidates[next++ % candidates.length] as Instance;
      try {
        return await call(agent, instance.port, method, path, body);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ECONNREFUSED' && instance.state !== 'up') {
          report.retriedOnRefused++;
          continue;
        }
        report.failures.push(`${method} ${path} on :${instance.port} (${instance.state}): ${code ?? String(error)}`);
        return undefined;
      }
    }
    report.failures.push(`${method} ${path}: no instance accepted it`);
    return undefined;
  };

  const check = (key: string, reply: Reply | undefined, method: string): void => {
    if (reply === undefined) return;
    if (reply.status >= 500) report.failures.push(`${method} ${key}: HTTP ${reply.status} ${reply.body.slice(0, 200)}`);
    if (method === 'GET' && reply.status === 200) {
      const value = (JSON.parse(reply.body) as { value?: unknown }).value;
      if (typeof value !== 'string' || !value.startsWith(`${key}|`)) {
        report.wrongValues++;
        report.failures.push(`GET ${key}: wrong value ${JSON.stringify(value)}`);
      }
    }
  };

  const worker = async (id: number, running: () => boolean): Promise<void> => {
    for (let n = 0; running(); n++) {
      const key = `k${(id * 7919 + n * 104_729) % options.keys}`;
      const path = `/v1/ns/rolling/keys/${key}?class=products`;
      report.requests++;
      if (n % 3 === 0) {
        check(key, await send('PUT', path, JSON.stringify({ value: valueFor(key, id, n) })), 'PUT');
      } else if (n % 3 === 1) {
        check(key, await send('GET', path), 'GET');
      } else {
        const got = await send('GET', path);
        check(key, got, 'GET');
        if (got?.status === 404) {
          report.requests++;
          check(key, await send('PUT', path, JSON.stringify({ value: valueFor(key, id, n) })), 'PUT');
        }
      }
    }
  };

  const healthCheck = async (running: () => boolean): Promise<void> => {
    while (running()) {
      await Promise.all(
        instances.map(async (instance) => {
          if (instance.state !== 'up') return;
          const ready = await call(false, instance.port, 'GET', '/health/ready').catch(() => undefined);
          if (ready?.status !== 200 && instance.state === 'up') instance.state = 'draining';
        }),
      );
      await pause(options.healthCheckMs);
    }
  };

  try {
    for (let i = 0; i < options.instances; i++) instances.push({ port: await findFreePort(), state: 'down', child: undefined, output: '' });
    await Promise.all(instances.map(start));
    const startedAt = Date.now();
    let stopLoad = false;
    const running = (): boolean => !stopLoad && Date.now() - startedAt < options.deadlineMs;
    const load = Promise.all(Array.from({ length: options.workers }, (_, id) => worker(id, running)));
    const checking = healthCheck(running);
    try {
      await pause(options.settleMs);
      for (const instance of instances) {
        report.exitCodes.push(await stop(instance));
        await start(instance);
        await pause(options.settleMs);
      }
    } finally {
      stopLoad = true;
      await Promise.all([load, checking]);
      report.loadSeconds = (Date.now() - startedAt) / 1000;
    }
    return report;
  } finally {
    for (const instance of instances) if (instance.child !== undefined && instance.child.exitCode === null) instance.child.kill('SIGKILL');
    if (agent !== false) agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
