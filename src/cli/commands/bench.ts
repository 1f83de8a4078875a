import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, StrataError } from '../../errors.js';
import type { Command } from '../command.js';

const SUITES = ['l1', 'getOrSet', 'tiered', 'set', 'stampede', 'l2', 'redis-ceiling', 'memory', 'traces', 'failover', 'cluster', 'server', 'semantic', 'vector-index'];
const TOPOLOGIES = ['cluster', 'sentinel', 'both'];

const usage = `Usage: strata bench <suite>... [--quick] [--json]
       strata bench cluster [--instances N] [--rate R1,R2,…[,closed] [--seconds S]] [--quick] [--json]

Runs benchmark suites of a Strata repository checkout (bench/ is not part of the published package: clone the
repository, then run this from it). Each suite runs Strata beside its peers (lru-cache, BentoCache, cacheable,
cache-manager, raw ioredis, redis-benchmark) and writes bench/results/<suite>.json. bench/'s own dependencies are
installed on first use (npm ci in bench/).

Suites: ${SUITES.join(', ')}

Options:
  --quick   the short pass (fewer rounds; same method)
  --json    print one JSON object per suite on stdout (progress goes to stderr)
  --topology cluster|sentinel|both
            failover alone: which local topology gets its masters killed (default both)
  --instances N   cluster alone: run N instances (default 10) and print one summary (hit rate, propagation
                  p50/p99, stale reads and their denominator, factory calls of the stampede check); the full
                  results go to bench/results/cluster.json
  --rate R1,R2,…[,closed]   cluster alone: a sweep instead of one closed-loop run; each instance issues R ops/s
                  (open loop; 'closed' adds a closed-loop point) and the summary has one line per point
                  (propagation p50/p99, stale reads, machine busy); results in bench/results/cluster-paced.json
  --seconds S     cluster alone, with --rate: how long each point runs (default 12 with --quick, else 60)

failover starts local Redis topologies (3+3 Cluster, Sentinel with 2 replicas), SIGKILLs a master under load
(once per topology with --quick, five times otherwise) and reports the write recovery time, the errors that
reached Strata's callers and the acknowledged replicated writes lost, beside a raw ioredis client.

Everything at once, with the README table and chart: npm run bench [-- --quick]`;

/** The checkout this file belongs to (src/cli/commands or dist/cli/commands, three levels down), if it has bench/. */
function checkoutRoot(): string | undefined {
  const candidates = [resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), process.cwd()];
  return candidates.find((dir) => existsSync(join(dir, 'bench', 'run.ts')) && existsSync(join(dir, 'bench', 'package.json')));
}

const bench: Command = {
  name: 'bench',
  summary: 'run benchmark suites against peers (repository checkout only)',
  usage,
  async run(argv: string[]): Promise<number> {
    const flags: string[] = [];
    const suites: string[] = [];
    // Options that take a value, each for one suite alone.
    const valued: Record<string, { suite: string; value?: string }> = {
      '--topology': { suite: 'failover' },
      '--instances': { suite: 'cluster' },
      '--rate': { suite: 'cluster' },
      '--seconds': { suite: 'cluster' },
    };
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i] as string;
      const [name, inline] = arg.split('=', 2) as [string, string | undefined];
      const option = valued[name];
      if (option !== undefined) option.value = inline ?? argv[++i] ?? '';
      else if (arg.startsWith('--')) flags.push(arg);
      else suites.push(arg);
    }
    const badFlag = flags.find((f) => f !== '--quick' && f !== '--json');
    if (badFlag !== undefined) throw new StrataError(ErrorCode.INVALID_OPTION, `unknown option '${badFlag}': use --quick, --json, --topology (failover) and --instances N, --rate, --seconds (cluster) (see 'strata bench --help')`);
    const topology = valued['--topology']!.value;
    const instances = valued['--instances']!.value;
    const rate = valued['--rate']!.value;
    const seconds = valued['--seconds']!.value;
    if (topology !== undefined && !TOPOLOGIES.includes(topology)) throw new StrataError(ErrorCode.INVALID_OPTION, `--topology takes one of ${TOPOLOGIES.join(', ')}`);
    if (instances !== undefined && (!/^\d+$/.test(instances) || Number(instances) < 2)) throw new StrataError(ErrorCode.INVALID_OPTION, `--instances takes a whole number of instances, 2 or more (got '${instances}')`);
    if (rate !== undefined && !rate.split(',').every((part) => part === 'closed' || (/^\d+$/.test(part) && Number(part) > 0))) throw new StrataError(ErrorCode.INVALID_OPTION, `--rate takes a comma-separated list of positive ops per second per instance and/or 'closed', e.g. 100,300,closed (got '${rate}')`);
    if (seconds !== undefined && !(/^\d+(\.\d+)?$/.test(seconds) && Number(seconds) > 0)) throw new StrataError(ErrorCode.INVALID_OPTION, `--seconds takes a positive number of seconds per point (got '${seconds}')`);
    if (seconds !== undefined && rate === undefined) throw new StrataError(ErrorCode.INVALID_OPTION, '--seconds sets the length of each --rate point: give --rate too');
    for (const [name, option] of Object.entries(valued)) {
      if (option.value !== undefined && (suites.length !== 1 || suites[0] !== option.suite)) {
        throw new StrataError(ErrorCode.INVALID_OPTION, `${name} applies to the ${option.suite} suite alone: run strata bench ${option.suite} ${name} …`);
      }
    }
    if (suites.length === 0) throw new StrataError(ErrorCode.INVALID_OPTION, `name a suite: one of ${SUITES.join(', ')} (see 'strata bench --help')`);
    const unknown = suites.find((s) => !SUITES.includes(s));
    if (unknown !== undefined) throw new StrataError(ErrorCode.INVALID_OPTION, `unknown suite '${unknown}': choose from ${SUITES.join(', ')}`);
    const root = checkoutRoot();
    if (root === undefined) {
      throw new StrataError(
        ErrorCode.INVALID_OPTION,
        'strata bench needs a repository checkout (bench/run.ts was not found next to this installation or in the current directory): clone the Strata repository, run npm ci, and run strata bench from its root',
      );
    }
    if (suites.length === 1 && suites[0] === 'cluster') {
      const sweep = rate === undefined ? [] : ['--rate', rate, ...(seconds === undefined ? [] : ['--seconds', seconds])];
      return runCluster(root, instances ?? '10', sweep, flags.includes('--quick'), flags.includes('--json'));
    }
    const benchDir = join(root, 'bench');
    if (!existsSync(join(benchDir, 'node_modules', '.package-lock.json'))) {
      const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: benchDir, stdio: ['ignore', 2, 2] });
      if (install.status !== 0) throw new StrataError(ErrorCode.INVALID_OPTION, `npm ci in ${benchDir} failed (exit ${install.status}): install bench/'s dependencies by hand and retry`);
    }
    // The failover script takes --topology and prints its own result object, so it runs without run.ts in between.
    const args =
      suites.length === 1 && suites[0] === 'failover'
        ? ['tsx', 'bench/failover.ts', ...(topology === undefined ? [] : ['--topology', topology]), ...flags]
        : ['tsx', 'bench/run.ts', ...suites.flatMap((s) => ['--suite', s]), ...flags];
    const run = spawnSync('npx', args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    return run.status ?? 1;
  },
};

/** Runs bench/cluster.ts (it needs only the root's dependencies) and prints its summary. */
function runCluster(root: string, instances: string, sweep: readonly string[], quick: boolean, json: boolean): number {
  const args = ['--import', 'tsx', 'bench/cluster.ts', '--instances', instances, ...sweep, '--json', ...(quick ? ['--quick'] : [])];
  const run = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) return run.status ?? 1;
  const results = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as ClusterResults | SweepResults;
  const summary = 'points' in results ? sweepSummary(results) : clusterSummary(results);
  process.stdout.write(json ? `${JSON.stringify(summary)}\n` : `${JSON.stringify(summary, null, 2)}\n`);
  return 0;
}

/** The parts of bench/results/cluster.json the summary reads. */
interface ClusterResults {
  command: string;
  workload: { instances: number };
  hitRateAfterWarmup: number;
  propagationMs: Record<'underLoad' | 'idle', { events: number; p50: number; p99: number; max: number }>;
  staleReads: { windowMs: number; reads: number; eligible: number; stale: number; rate: number; byCause: Record<string, number> };
  stampede: { instances: number; callsPerInstance: number; factoryCalls: number };
}

function clusterSummary(r: ClusterResults) {
  return {
    command: r.command,
    instances: r.workload.instances,
    hitRate: r.hitRateAfterWarmup,
    propagationMs: { underLoad: { p50: r.propagationMs.underLoad.p50, p99: r.propagationMs.underLoad.p99 }, idle: { p50: r.propagationMs.idle.p50, p99: r.propagationMs.idle.p99 } },
    staleReads: { stale: r.staleReads.stale, denominator: r.staleReads.eligible, rate: r.staleReads.rate, windowMs: r.staleReads.windowMs, allReads: r.staleReads.reads, byCause: r.staleReads.byCause },
    stampede: { concurrentCalls: r.stampede.instances * r.stampede.callsPerInstance, factoryCalls: r.stampede.factoryCalls },
  };
}

/** The parts of bench/results/cluster-paced.json (a `--rate` sweep) the summary reads. */
interface SweepResults {
  command: string;
  workload: { instances: number };
  idlePropagationMs: { p50: number; p99: number };
  points: Array<{
    mode: string;
    ratePerInstance: number | null;
    throughput: { opsPerSec: number; errors: number };
    hitRate: number;
    propagationMs: { p50: number; p99: number };
    staleReads: { stale: number; eligible: number; rate: number; windowMs: number };
    cpu: { machineBusy: number };
  }>;
}

function sweepSummary(r: SweepResults) {
  return {
    command: r.command,
    instances: r.workload.instances,
    idlePropagationMs: { p50: r.idlePropagationMs.p50, p99: r.idlePropagationMs.p99 },
    points: r.points.map((p) => ({
      mode: p.mode,
      ratePerInstance: p.ratePerInstance,
      opsPerSec: p.throughput.opsPerSec,
      errors: p.throughput.errors,
      hitRate: p.hitRate,
      propagationMs: { p50: p.propagationMs.p50, p99: p.propagationMs.p99 },
      staleReads: { stale: p.staleReads.stale, denominator: p.staleReads.eligible, rate: p.staleReads.rate, windowMs: p.staleReads.windowMs },
      machineBusy: p.cpu.machineBusy,
    })),
  };
}

export default bench;
