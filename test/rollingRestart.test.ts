import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findFreePort } from '../src/redis/localTopology.js';
import { useRedisTopology } from './support/redis.js';

const standalone = useRedisTopology('standalone');
const root = resolve('.');
const tsx = import.meta.resolve('tsx');
const dir = mkdtempSync(join(tmpdir(), 'strata-rolling-'));
const INSTANCES = 3;
const WORKERS = 8;
const KEYS = 200;
/** The load balancer's health check period, and the drain delay the instances keep their port open for (several periods). */
const HEALTH_CHECK_MS = 100;
const DRAIN_DELAY_MS = 1000;
/** Hard bound of the whole run, whatever happens. */
const DEADLINE_MS = 120_000;

type NodeState = 'up' | 'draining' | 'down';

interface Instance {
  port: number;
  state: NodeState;
  child: ChildProcess | undefined;
  output: string;
}

const instances: Instance[] = [];
after(() => {
  for (const instance of instances) if (instance.child !== undefined && instance.child.exitCode === null) instance.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `strata serve` on the instance's port and resolves once it answers /health/ready. */
async function start(instance: Instance, redisUrl: string): Promise<void> {
  instance.output = '';
  const child = spawn(process.execPath, ['--import', tsx, join(root, 'src/cli/main.ts'), 'serve', '--port', String(instance.port), '--redis', redisUrl, '--no-l3', '--log-level', 'warn', '--drain-delay-ms', String(DRAIN_DELAY_MS)], { cwd: dir });
  instance.child = child;
  child.stdout?.on('data', (chunk: Buffer) => (instance.output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (instance.output += chunk.toString()));
  child.once('exit', () => {
    instance.state = 'down';
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`strata serve exited with ${child.exitCode}:\n${instance.output}`);
    const ready = await call(instance.port, 'GET', '/health/ready').catch(() => undefined);
    if (ready?.status === 200) {
      instance.state = 'up';
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`strata serve on ${instance.port} was not ready within 30 s:\n${instance.output}`);
}

/** SIGTERM, as an orchestrator sends it: the load balancer routes to the node until its health check fails. */
async function stop(instance: Instance): Promise<number | null> {
  const child = instance.child as ChildProcess;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  return exited;
}

interface Reply {
  status: number;
  body: string;
}

/** One HTTP request on its own connection (no keep-alive), as a load balancer without connection reuse sends it. */
function call(port: number, method: string, path: string, body?: string): Promise<Reply> {
  return new Promise((resolveReply, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
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

interface LoadReport {
  requests: number;
  failures: string[];
  /** Requests sent again to another node because a draining or stopped node refused the connection. */
  retriedOnRefused: number;
  wrongValues: number;
}

/** A value names its key, so a value read under another key (or garbled) is caught. */
function valueFor(key: string, writer: number, n: number): string {
  return `${key}|w${writer}|${n}`;
}

/** The load balancer's health check: a node whose /health/ready is not 200 leaves the rotation until it is restarted. */
async function healthCheck(running: () => boolean): Promise<void> {
  while (running()) {
    await Promise.all(
      instances.map(async (instance) => {
        if (instance.state !== 'up') return;
        const ready = await call(instance.port, 'GET', '/health/ready').catch(() => undefined);
        if (ready?.status !== 200 && instance.state === 'up') instance.state = 'draining';
      }),
    );
    await new Promise((r) => setTimeout(r, HEALTH_CHECK_MS));
  }
}

async function load(running: () => boolean): Promise<LoadReport> {
  const report: LoadReport = { requests: 0, failures: [], retriedOnRefused: 0, wrongValues: 0 };
  let next = 0;
  const send = async (method: string, path: string, body?: string): Promise<Reply | undefined> => {
    for (let attempt = 0; attempt < INSTANCES * 4; attempt++) {
      const candidates = instances.filter((i) => i.state === 'up');
      if (candidates.length === 0) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const instance = candidates[next++ % candidates.length] as Instance;
      const stateWhenSent = instance.state;
      try {
        return await call(instance.port, method, path, body);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ECONNREFUSED' && (stateWhenSent === 'draining' || instance.state !== 'up')) {
          report.retriedOnRefused++;
          continue;
        }
        report.failures.push(`${method} ${path} on :${instance.port} (${stateWhenSent}): ${code ?? String(error)}`);
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
  const worker = async (id: number): Promise<void> => {
    for (let n = 0; running(); n++) {
      const key = `k${(id * 7919 + n * 104_729) % KEYS}`;
      const path = `/v1/ns/rolling/keys/${key}?class=products`;
      const op = n % 3;
      report.requests++;
      if (op === 0) {
        const reply = await send('PUT', path, JSON.stringify({ value: valueFor(key, id, n) }));
        check(key, reply, 'PUT');
      } else if (op === 1) {
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
  await Promise.all(Array.from({ length: WORKERS }, (_, id) => worker(id)));
  return report;
}

describe('rolling restart', () => {
  it(`restarts each of ${INSTANCES} strata serve instances in turn under load with zero failed requests`, async (t) => {
    const topology = await standalone();
    for (let i = 0; i < INSTANCES; i++) instances.push({ port: await findFreePort(), state: 'down', child: undefined, output: '' });
    await Promise.all(instances.map((instance) => start(instance, topology.url)));

    const startedAt = Date.now();
    let stopLoad = false;
    const running = (): boolean => !stopLoad && Date.now() - startedAt < DEADLINE_MS;
    const loadDone = load(running);
    const checking = healthCheck(running);
    const exitCodes: Array<number | null> = [];
    try {
      await new Promise((r) => setTimeout(r, 500));
      for (const instance of instances) {
        exitCodes.push(await stop(instance));
        await start(instance, topology.url);
        await new Promise((r) => setTimeout(r, 300));
      }
    } finally {
      stopLoad = true;
    }
    const report = await loadDone;
    await checking;
    t.diagnostic(`${report.requests} requests over ${((Date.now() - startedAt) / 1000).toFixed(1)} s, ${report.retriedOnRefused} retried on a refused connection, ${report.failures.length} failed`);
    assert.deepEqual(exitCodes, instances.map(() => 0), 'every instance exits 0 after draining');
    assert.ok(report.requests > 200, `the load kept going through the restarts (${report.requests} requests)`);
    assert.equal(report.wrongValues, 0);
    assert.deepEqual(report.failures.slice(0, 20), [], `${report.failures.length} of ${report.requests} requests failed`);
  });
});
