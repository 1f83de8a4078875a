// The machine a run measured on, recorded beside its figures.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import type { Machine } from '../report/types.js';
import { redisVersion } from './redisServer.js';

function git(...args: string[]): string {
  return spawnSync('git', args, { encoding: 'utf8' }).stdout?.trim() ?? '';
}

export function describeMachine(loadAverageStart: number[]): Machine {
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    redis: redisVersion(),
    platform: `${platform()} ${release()}`,
    gitCommit: git('rev-parse', 'HEAD') || 'unknown',
    gitDirty: git('status', '--porcelain', '--untracked-files=no').length > 0,
    loadAverageStart,
    loadAverageEnd: loadavg(),
  };
}
