import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const LMDB_MAGIC = 0xbeefc0de;
/** A walk that takes longer than this is treated as a hang on a corrupt file. */
const PROBE_TIMEOUT_MS = 60_000;

/**
 * True when `directory/data.mdb` is missing, empty, or starts with an LMDB meta page (its magic number sits after
 * the page header: 16 bytes in LMDB, 24 in the lmdb-js fork). False for any other file.
 */
export function looksLikeLmdb(directory: string): boolean {
  let fd: number;
  try {
    fd = openSync(join(directory, 'data.mdb'), 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
  try {
    const head = Buffer.alloc(32);
    const read = readSync(fd, head, 0, head.length, 0);
    if (read === 0) return true;
    return read === head.length && (head.readUInt32LE(16) === LMDB_MAGIC || head.readUInt32LE(24) === LMDB_MAGIC);
  } finally {
    closeSync(fd);
  }
}

// Runs in a child process: plain CommonJS, only the lmdb package.
const WALK_SCRIPT = `
const { open } = require(process.argv[1]);
const root = open({ path: process.argv[2], maxDbs: 4, readOnly: true });
for (const name of ['entries', 'expiry', 'meta', 'internal']) {
  // undefined when not created yet: a read-only environment cannot create it.
  const db = root.openDB({ name, encoding: 'binary', keyEncoding: 'binary' });
  if (db) for (const entry of db.getRange()) void entry;
}
root.close().then(() => process.exit(0), () => process.exit(2));
`;

/**
 * Whether the LMDB environment in `directory` can be opened and every page of its databases read.
 * LMDB trusts its file: a damaged one (possible after an OS crash, since L3 writes without fsync) crashes the
 * process that reads it with SIGSEGV instead of failing. So the walk runs in a child process, whose crash is
 * only an answer.
 */
export function walksCleanly(directory: string): boolean {
  const lmdbEntry = createRequire(import.meta.url).resolve('lmdb');
  const result = spawnSync(process.execPath, ['-e', WALK_SCRIPT, lmdbEntry, directory], {
    stdio: 'ignore',
    timeout: PROBE_TIMEOUT_MS,
  });
  return result.error === undefined && result.status === 0;
}
