import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { ErrorCode, StrataError } from '../errors.js';

export type TopologyKind = 'standalone' | 'cluster' | 'sentinel';

/** The Sentinel master name every local Sentinel topology monitors. */
export const LOCAL_SENTINEL_MASTER = 'strata';

export interface LocalNode {
  /** Stable name within the topology: `node-<port>` or `sentinel-<port>`. */
  name: string;
  kind: 'server' | 'sentinel';
  port: number;
  /** 0 while the process is not running (after `kill`). */
  pid: number;
}

/** What `strata redis up` writes to `state.json` so another process can stop the topology. */
export interface TopologyState {
  kind: TopologyKind;
  dir: string;
  url: string;
  nodes: LocalNode[];
}

export interface LocalTopology extends TopologyState {
  /** Ports of the data nodes (masters and replicas), in start order. */
  readonly serverPorts: number[];
  /** Ports of the Sentinels (empty unless `kind` is `sentinel`). */
  readonly sentinelPorts: number[];
  /** SIGKILL one node by pid, as a crash would. */
  kill(name: string): Promise<void>;
  /** Start a killed node again with its original arguments and data directory. */
  restart(name: string): Promise<void>;
  /** SIGKILL every process of the topology. */
  stop(): Promise<void>;
}

export interface StartTopologyOptions {
  /** Directory for configs, logs and node files; default `.redis/<kind>` under the cwd. */
  dir?: string;
  /** Let the processes outlive this Node process (for `strata redis up`); tests leave it false. */
  persistent?: boolean;
  /** Replicas in a Sentinel topology (1 or more). */
  sentinelReplicas?: number;
}

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 20_000;

/** Processes started without `persistent`: killed when this Node process exits, whatever the reason. */
const owned = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of owned) child.kill('SIGKILL');
  });
}

/** Throws a StrataError telling what to install, after installing it when running as root. */
export function ensureRedisInstalled(): void {
  const found = (bin: string) => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0;
  if (found('redis-server') && found('redis-cli')) return;
  if (process.getuid?.() === 0) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '-qq', 'redis-server', 'redis-sentinel', 'redis-tools'], { stdio: 'inherit', env });
    if (found('redis-server') && found('redis-cli')) return;
  }
  throw new StrataError(
    ErrorCode.INVALID_REDIS_CONFIG,
    'redis-server and redis-cli are not installed: install Debian\'s redis-server, redis-sentinel and redis-tools (apt-get install -y redis-server redis-sentinel redis-tools)',
  );
}

function canBind(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, HOST, () => server.close(() => done(true)));
  });
}

/**
 * A port free on loopback, and with `busOffset` its cluster bus port (port + 10000) free too.
 * Random in a range away from well-known ports so parallel test files rarely collide; a collision that
 * slips through makes the server exit, and the caller retries with another port.
 */
async function freePort(taken: Set<number>, busOffset: boolean): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (taken.has(port) || (busOffset && taken.has(port + 10_000))) continue;
    if (!(await canBind(port))) continue;
    if (busOffset && !(await canBind(port + 10_000))) continue;
    taken.add(port);
    if (busOffset) taken.add(port + 10_000);
    return port;
  }
  throw new StrataError(ErrorCode.INVALID_REDIS_CONFIG, 'no free port found on 127.0.0.1 for a local Redis: free some ports and retry');
}

/** A port free on 127.0.0.1 right now (for a server the caller starts itself). */
export function findFreePort(): Promise<number> {
  return freePort(new Set(), false);
}

/** One short-lived connection that fails fast instead of queueing: for probes and admin commands. */
export function adminClient(port: number): Redis {
  const client = new Redis({
    host: HOST,
    port,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
    commandTimeout: 2000,
  });
  client.on('error', () => undefined);
  return client;
}

/** Runs one command against a local node on a fresh connection. */
export async function adminCommand(port: number, command: string, ...args: Array<string | number>): Promise<unknown> {
  const client = adminClient(port);
  try {
    await client.connect();
    return await client.call(command, ...args);
  } finally {
    client.disconnect();
  }
}

/** Polls `check` until it returns true; the last error (or a timeout) explains a failure. */
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new StrataError(ErrorCode.TIER_FAILURE, `local Redis: ${what} did not happen within ${timeoutMs} ms`, { cause: last });
}

function infoField(info: string, field: string): string | undefined {
  const match = new RegExp(`^${field}:(.*)$`, 'm').exec(info);
  return match?.[1]?.trim();
}

interface NodeSpec {
  node: LocalNode;
  bin: string;
  args: string[];
}

class Topology implements LocalTopology {
  readonly kind: TopologyKind;
  readonly dir: string;
  url = '';
  readonly nodes: LocalNode[] = [];
  private readonly specs = new Map<string, NodeSpec>();
  private readonly children = new Map<string, ChildProcess>();
  private readonly persistent: boolean;

  constructor(kind: TopologyKind, dir: string, persistent: boolean) {
    this.kind = kind;
    this.dir = dir;
    this.persistent = persistent;
  }

  get serverPorts(): number[] {
    return this.nodes.filter((n) => n.kind === 'server').map((n) => n.port);
  }

  get sentinelPorts(): number[] {
    return this.nodes.filter((n) => n.kind === 'sentinel').map((n) => n.port);
  }

  /** Starts a node and resolves once it answers PING; rejects if the process exits first (port taken). */
  async launch(spec: NodeSpec): Promise<void> {
    this.specs.set(spec.node.name, spec);
    if (!this.nodes.includes(spec.node)) this.nodes.push(spec.node);
    const child = spawn(spec.bin, spec.args, {
      cwd: this.dir,
      detached: this.persistent,
      stdio: 'ignore',
    });
    let exited = false;
    child.once('exit', () => {
      exited = true;
      owned.delete(child);
    });
    child.once('error', () => {
      exited = true;
    });
    if (this.persistent) child.unref();
    else {
      installExitHook();
      owned.add(child);
    }
    this.children.set(spec.node.name, child);
    spec.node.pid = child.pid ?? 0;
    await waitFor(`${spec.node.name} answering PING`, async () => {
      if (exited) throw new StrataError(ErrorCode.TIER_FAILURE, `${spec.bin} on port ${spec.node.port} exited at start (see ${this.dir})`);
      return (await adminCommand(spec.node.port, 'PING')) === 'PONG';
    });
  }

  async kill(name: string): Promise<void> {
    const node = this.nodes.find((n) => n.name === name);
    if (node === undefined) throw new StrataError(ErrorCode.INVALID_OPTION, `no node named ${name} in this topology`);
    const child = this.children.get(name);
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    } else if (node.pid > 0) {
      killPid(node.pid);
    }
    node.pid = 0;
  }

  async restart(name: string): Promise<void> {
    const spec = this.specs.get(name);
    if (spec === undefined) throw new StrataError(ErrorCode.INVALID_OPTION, `no node named ${name} in this topology`);
    await this.kill(name);
    await this.launch(spec);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.kill(n.name)));
  }

}

/** SIGKILL a pid only if it still is a Redis process (pids are reused). */
export function killPid(pid: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes('redis')) return false;
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

function serverArgs(port: number, dir: string, extra: string[]): string[] {
  return [
    '--port', String(port),
    '--bind', HOST,
    '--daemonize', 'no',
    '--protected-mode', 'no',
    '--dir', dir,
    '--logfile', join(dir, `node-${port}.log`),
    '--save', '',
    '--appendonly', 'no',
    ...extra,
  ];
}

/** Starts a server on a free port, retrying on another port if the chosen one was taken meanwhile. */
async function launchServer(topology: Topology, taken: Set<number>, cluster: boolean, extra: (port: number) => string[]): Promise<LocalNode> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort(taken, cluster);
    const node: LocalNode = { name: `node-${port}`, kind: 'server', port, pid: 0 };
    try {
      await topology.launch({ node, bin: 'redis-server', args: serverArgs(port, topology.dir, extra(port)) });
      return node;
    } catch (err) {
      lastError = err;
      await topology.kill(node.name).catch(() => undefined);
      topology.nodes.splice(topology.nodes.indexOf(node), 1);
    }
  }
  throw lastError;
}

async function startStandalone(topology: Topology, taken: Set<number>): Promise<void> {
  const node = await launchServer(topology, taken, false, () => []);
  topology.url = `redis://${HOST}:${node.port}`;
}

/** Waits until the cluster agrees on its slots and every replica streams from its master. */
export async function waitForClusterHealthy(ports: number[]): Promise<void> {
  await waitFor('cluster_state:ok on every node with every replica linked', async () => {
    for (const port of ports) {
      const info = String(await adminCommand(port, 'CLUSTER', 'INFO'));
      if (infoField(info, 'cluster_state') !== 'ok' || infoField(info, 'cluster_slots_ok') !== '16384') return false;
      const replication = String(await adminCommand(port, 'INFO', 'replication'));
      if (infoField(replication, 'role') === 'slave' && infoField(replication, 'master_link_status') !== 'up') return false;
    }
    return true;
  });
}

async function startCluster(topology: Topology, taken: Set<number>): Promise<void> {
  const nodes = await Promise.all(
    Array.from({ length: 6 }, () =>
      launchServer(topology, taken, true, (port) => [
        '--cluster-enabled', 'yes',
        '--cluster-config-file', `nodes-${port}.conf`,
        '--cluster-node-timeout', '2000',
        '--repl-diskless-sync-delay', '0',
      ]),
    ),
  );
  const addresses = nodes.map((n) => `${HOST}:${n.port}`);
  const created = spawnSync('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'], {
    encoding: 'utf8',
    timeout: READY_TIMEOUT_MS,
  });
  if (created.status !== 0) {
    throw new StrataError(ErrorCode.TIER_FAILURE, `redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
  }
  await waitForClusterHealthy(nodes.map((n) => n.port));
  topology.url = `redis+cluster://${addresses.join(',')}`;
}

async function startSentinel(topology: Topology, taken: Set<number>, replicas: number): Promise<void> {
  const master = await launchServer(topology, taken, false, () => ['--repl-diskless-sync-delay', '0']);
  for (let i = 0; i < replicas; i++) {
    await launchServer(topology, taken, false, () => ['--replicaof', HOST, String(master.port), '--repl-diskless-sync-delay', '0']);
  }
  const sentinelPorts: number[] = [];
  for (let i = 0; i < 3; i++) {
    let started = false;
    for (let attempt = 0; attempt < 3 && !started; attempt++) {
      const port = await freePort(taken, false);
      const config = join(topology.dir, `sentinel-${port}.conf`);
      // Sentinel rewrites its config file with what it learns, so each gets its own writable file.
      writeFileSync(
        config,
        [
          `port ${port}`,
          `bind ${HOST}`,
          'daemonize no',
          'protected-mode no',
          `dir ${topology.dir}`,
          `logfile ${join(topology.dir, `sentinel-${port}.log`)}`,
          `sentinel monitor ${LOCAL_SENTINEL_MASTER} ${HOST} ${master.port} 2`,
          `sentinel down-after-milliseconds ${LOCAL_SENTINEL_MASTER} 1000`,
          `sentinel failover-timeout ${LOCAL_SENTINEL_MASTER} 3000`,
          `sentinel parallel-syncs ${LOCAL_SENTINEL_MASTER} 1`,
          '',
        ].join('\n'),
      );
      const node: LocalNode = { name: `sentinel-${port}`, kind: 'sentinel', port, pid: 0 };
      try {
        await topology.launch({ node, bin: 'redis-sentinel', args: [config] });
        sentinelPorts.push(port);
        started = true;
      } catch (err) {
        await topology.kill(node.name).catch(() => undefined);
        topology.nodes.splice(topology.nodes.indexOf(node), 1);
        if (attempt === 2) throw err;
      }
    }
  }
  await waitFor('every Sentinel seeing the replicas and the other Sentinels', async () => {
    for (const port of sentinelPorts) {
      const reply = (await adminCommand(port, 'SENTINEL', 'MASTER', LOCAL_SENTINEL_MASTER)) as unknown[];
      const fields = new Map<string, string>();
      for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), String(reply[i + 1]));
      if (Number(fields.get('num-slaves')) < replicas || Number(fields.get('num-other-sentinels')) < 2) return false;
    }
    for (const port of topology.serverPorts.slice(1)) {
      const replication = String(await adminCommand(port, 'INFO', 'replication'));
      if (infoField(replication, 'master_link_status') !== 'up') return false;
    }
    return true;
  });
  topology.url = `redis+sentinel://${sentinelPorts.map((p) => `${HOST}:${p}`).join(',')}/${LOCAL_SENTINEL_MASTER}`;
}

/**
 * Starts a Redis topology on 127.0.0.1 and free ports: `standalone` (1 node), `cluster` (3 masters + 3 replicas)
 * or `sentinel` (1 master, `sentinelReplicas` replicas, 3 Sentinels). Nothing is persisted to disk.
 */
export async function startLocalTopology(kind: TopologyKind, options: StartTopologyOptions = {}): Promise<LocalTopology> {
  if (kind !== 'standalone' && kind !== 'cluster' && kind !== 'sentinel') {
    throw new StrataError(ErrorCode.INVALID_REDIS_CONFIG, `unknown topology '${String(kind)}': use standalone, cluster or sentinel`);
  }
  ensureRedisInstalled();
  const dir = resolve(options.dir ?? join('.redis', kind));
  mkdirSync(dir, { recursive: true });
  const topology = new Topology(kind, dir, options.persistent ?? false);
  const taken = new Set<number>();
  try {
    if (kind === 'standalone') await startStandalone(topology, taken);
    else if (kind === 'cluster') await startCluster(topology, taken);
    else await startSentinel(topology, taken, Math.max(1, options.sentinelReplicas ?? 1));
  } catch (err) {
    await topology.stop();
    throw err;
  }
  return topology;
}

/** The state a persistent topology was started with, for `down` and `status` from another process. */
export function topologyState(topology: LocalTopology): TopologyState {
  return { kind: topology.kind, dir: topology.dir, url: topology.url, nodes: topology.nodes.map((n) => ({ ...n })) };
}
