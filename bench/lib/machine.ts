// The machine a run measured on, recorded beside its figures.
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import type { Machine } from '../report/types.js';
import { redisVersion } from './redisServer.js';
import { BENCH_DIR } from './suite.js';

function git(...args: string[]): string {
  // From the repository root, so pathspecs mean the same whatever the caller's directory.
  return spawnSync('git', args, { encoding: 'utf8', cwd: dirname(BENCH_DIR) }).stdout?.trim() ?? '';
}

export interface RunStart {
  loadAverage: number[];
  gitCommit: string;
  gitDirty: boolean;
}

/**
 * Taken before the first suite: the commit measured, and whether source files differed from it. bench/results and
 * README.md are left out: a run rewrites them, they do not change what is measured.
 */
export function captureStart(): RunStart {
  const status = git('status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)bench/results', ':(exclude)README.md');
  return { loadAverage: loadavg(), gitCommit: git('rev-parse', 'HEAD') || 'unknown', gitDirty: status.length > 0 };
}

export function describeMachine(start: RunStart): Machine {
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    redis: redisVersion(),
    platform: `${platform()} ${release()}`,
    gitCommit: start.gitCommit,
    gitDirty: start.gitDirty,
    loadAverageStart: start.loadAverage,
    loadAverageEnd: loadavg(),
  };
}
