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
