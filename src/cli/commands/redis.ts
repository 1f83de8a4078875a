import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  adminCommand,
  ErrorCode,
  killPid,
  startLocalTopology,
  StrataError,
  topologyState,
  type TopologyKind,
  type TopologyState,
} from '../../index.js';
import type { Command } from '../command.js';

const usage = `Usage: strata redis up|down|status standalone|cluster|sentinel [--dir <path>]

Starts, stops or inspects a local Redis topology on 127.0.0.1 and free ports, for development:
  standalone   one server
  cluster      3 masters + 3 replicas (cluster-node-timeout 2000)
  sentinel     1 master + 1 replica + 3 Sentinels (master name 'strata')

Options:
  --dir <path>   where configs, logs and state.json live (default .redis/<topology>)

'up' prints the connection URL to give Strata (redis.url); 'down' works from any process.`;

function parse(argv: string[]): { action: string; kind: TopologyKind; dir: string } {
  const positional: string[] = [];
  let dir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--dir') {
      dir = argv[++i];
      if (dir === undefined) throw new StrataError(ErrorCode.INVALID_OPTION, '--dir needs a path');
    } else positional.push(arg);
  }
  const [action, kind] = positional;
  if (action !== 'up' && action !== 'down' && action !== 'status') {
    throw new StrataError(ErrorCode.INVALID_OPTION, `unknown action '${action ?? ''}': use up, down or status (strata redis --help)`);
  }
  if (kind !== 'standalone' && kind !== 'cluster' && kind !== 'sentinel') {
    throw new StrataError(ErrorCode.INVALID_OPTION, `unknown topology '${kind ?? ''}': use standalone, cluster or sentinel`);
  }
  return { action, kind, dir: resolve(dir ?? join('.redis', kind)) };
}

function readState(dir: string): TopologyState | undefined {
  const file = join(dir, 'state.json');
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as TopologyState;
}

function isAlive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis');
  } catch {
    return false;
  }
}

async function up(kind: TopologyKind, dir: string): Promise<number> {
  const existing = readState(dir);
  if (existing !== undefined && existing.nodes.some((n) => isAlive(n.pid))) {
    console.error(`a ${existing.kind} topology is already running from ${dir}: strata redis down ${existing.kind} first`);
    return 1;
  }
  const topology = await startLocalTopology(kind, { dir, persistent: true });
  writeFileSync(join(dir, 'state.json'), `${JSON.stringify(topologyState(topology), null, 2)}\n`);
  console.log(`${kind} is up (${topology.nodes.length} processes, state in ${join(dir, 'state.json')})`);
  console.log(topology.url);
  return 0;
}

async function down(dir: string): Promise<number> {
  const state = readState(dir);
  if (state === undefined) {
    console.error(`nothing to stop: no state.json in ${dir}`);
    return 1;
  }
  const killed = state.nodes.filter((n) => killPid(n.pid)).length;
  rmSync(join(dir, 'state.json'));
  console.log(`${state.kind} is down (${killed} processes stopped)`);
  return 0;
}

async function status(dir: string): Promise<number> {
  const state = readState(dir);
  if (state === undefined) {
    console.log(`not running (no state.json in ${dir})`);
    return 1;
  }
  let allUp = true;
  for (const node of state.nodes) {
    const answer = await adminCommand(node.port, 'PING').catch(() => 'unreachable');
    allUp &&= answer === 'PONG';
    console.log(`${node.name.padEnd(16)} pid ${String(node.pid).padEnd(8)} ${isAlive(node.pid) ? 'running' : 'dead'}  ${String(answer)}`);
  }
  console.log(state.url);
  return allUp ? 0 : 1;
}

const redis: Command = {
  name: 'redis',
  summary: 'start, stop or inspect a local Redis topology (standalone, cluster, sentinel)',
  usage,
  async run(argv) {
    const { action, kind, dir } = parse(argv);
    if (action === 'up') return up(kind, dir);
    if (action === 'down') return down(dir);
    return status(dir);
  },
};

export default redis;
