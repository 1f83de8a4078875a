import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalTopology, type LocalTopology, type TopologyKind } from '../../src/redis/localTopology.js';

/**
 * One real topology per test file, started on first use and shared by the file's tests.
 * Call at module level: it registers the `after` hook that kills the processes and removes the directory.
 */
export function useRedisTopology(kind: TopologyKind, options: { sentinelReplicas?: number } = {}): () => Promise<LocalTopology> {
  let started: Promise<LocalTopology> | undefined;
  let dir: string | undefined;
  after(async () => {
    if (started === undefined) return;
    const topology = await started.catch(() => undefined);
    await topology?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (started === undefined) {
      dir = mkdtempSync(join(tmpdir(), `strata-${kind}-`));
      started = startLocalTopology(kind, { dir, ...options });
    }
    return started;
  };
}

/** What happened to a steady read/write load while a master was killed. */
export interface FailoverReport {
  /** From the kill to the first successful write that the killed master used to own; undefined if never. */
  recoveryMs: number | undefined;
  /** Keys whose replicated write (`replicas: 1`) was acknowledged, with the value written. */
  acknowledged: Map<string, string>;
  writes: { ok: number; failed: number };
  replicatedWrites: { ok: number; failed: number };
  reads: { ok: number; failed: number };
}

export interface FailoverLoadOptions {
  /** Kills the master; called once, after `warmupMs` of load. */
  kill: () => Promise<void>;
  /** Whether a key lived on the killed master (always true with Sentinel). */
  ownedByKilled: (key: string) => boolean;
  warmupMs?: number;
  /** Load to keep running after recovery, to see writes staying up. */
  afterRecoveryMs?: number;
  /** Hard bound of the whole run. */
  deadlineMs?: number;
}

interface WritableTier {
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, bytes: Uint8Array, hardExpiresAt: number, options?: { replicas?: number }): Promise<void>;
}

/** A bounded, sequential read/write loop through the tier, with a master killed in the middle. */
export async function failoverUnderLoad(tier: WritableTier, options: FailoverLoadOptions): Promise<FailoverReport> {
  const { warmupMs = 800, afterRecoveryMs = 800, deadlineMs = 30_000 } = options;
  const report: FailoverReport = {
    recoveryMs: undefined,
    acknowledged: new Map(),
    writes: { ok: 0, failed: 0 },
    replicatedWrites: { ok: 0, failed: 0 },
    reads: { ok: 0, failed: 0 },
  };
  const started = Date.now();
  let killedAt: number | undefined;
  let recoveredAt: number | undefined;
  const expiry = () => Date.now() + 600_000;
  for (let i = 0; i < 100_000; i++) {
    const now = Date.now();
    if (now - started > deadlineMs) break;
    if (recoveredAt !== undefined && now - recoveredAt > afterRecoveryMs) break;
    if (killedAt === undefined && now - started >= warmupMs) {
      await options.kill();
      killedAt = Date.now();
    }
    const plainKey = `plain:${i}`;
    const writeStart = Date.now();
    try {
      await tier.set(plainKey, Buffer.from(`p${i}`), expiry());
      report.writes.ok++;
      if (killedAt !== undefined && recoveredAt === undefined && writeStart >= killedAt && options.ownedByKilled(plainKey)) {
        recoveredAt = Date.now();
        report.recoveryMs = recoveredAt - killedAt;
      }
    } catch {
      report.writes.failed++;
    }
    const ackedKey = `acked:${i}`;
    try {
      await tier.set(ackedKey, Buffer.from(`a${i}`), expiry(), { replicas: 1 });
      report.replicatedWrites.ok++;
      report.acknowledged.set(ackedKey, `a${i}`);
    } catch {
      report.replicatedWrites.failed++;
    }
    try {
      await tier.get(`acked:${Math.floor(Math.random() * (i + 1))}`);
      report.reads.ok++;
    } catch {
      report.reads.failed++;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return report;
}
