/**
 * The three environment profiles of the product specification. A profile describes the Redis deployment it expects
 * (the matching server configs are in `deploy/redis/`) and sets the cache defaults that follow from it.
 */
export type ProfileName = 'development' | 'staging' | 'production';

export interface Profile {
  name: ProfileName;
  /** The Redis deployment this profile is meant for. */
  redis: {
    topology: 'standalone' | 'cluster';
    masters: number;
    replicasPerMaster: number;
    /** Redis `maxmemory` per node, bytes. */
    maxMemoryBytes: number;
    persistence: 'none' | 'rdb' | 'aof+rdb';
  };
  /** Whether values above the compression threshold are compressed. */
  compression: boolean;
  /** Whether data classes with replication 2 wait for a replica's acknowledgement (Redis `WAIT`). */
  waitForReplicas: boolean;
}

const GB = 1024 ** 3;

export const PROFILES: Readonly<Record<ProfileName, Profile>> = Object.freeze({
  development: {
    name: 'development',
    redis: { topology: 'standalone', masters: 1, replicasPerMaster: 0, maxMemoryBytes: 1 * GB, persistence: 'none' },
    compression: false,
    waitForReplicas: false,
  },
  staging: {
    name: 'staging',
    redis: { topology: 'cluster', masters: 3, replicasPerMaster: 0, maxMemoryBytes: 2 * GB, persistence: 'rdb' },
    compression: true,
    waitForReplicas: false,
  },
  production: {
    name: 'production',
    redis: { topology: 'cluster', masters: 3, replicasPerMaster: 1, maxMemoryBytes: 4 * GB, persistence: 'aof+rdb' },
    compression: true,
    waitForReplicas: true,
  },
});
