import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, StrataError } from '../../errors.js';
import type { Command } from '../command.js';

const SUITES = ['l1', 'getOrSet', 'tiered', 'set', 'stampede', 'l2', 'redis-ceiling', 'memory', 'traces', 'cluster', 'server', 'semantic', 'vector-index'];

const usage = `Usage: strata bench <suite>... [--quick] [--json]

Runs benchmark suites of a Strata repository checkout (bench/ is not part of the published package: clone the
repository, then run this from it). Each suite runs Strata beside its peers (lru-cache, BentoCache, cacheable,
cache-manager, raw ioredis, redis-benchmark) and writes bench/results/<suite>.json. bench/'s own dependencies are
installed on first use (npm ci in bench/).

Suites: ${SUITES.join(', ')}

Options:
  --quick   the short pass (fewer rounds; same method)
  --json    print one JSON object per suite on stdout (progress goes to stderr)

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
    const flags = argv.filter((a) => a.startsWith('--'));
    const suites = argv.filter((a) => !a.startsWith('--'));
    const badFlag = flags.find((f) => f !== '--quick' && f !== '--json');
    if (badFlag !== undefined) throw new StrataError(ErrorCode.INVALID_OPTION, `unknown option '${badFlag}': use --quick and/or --json (see 'strata bench --help')`);
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
    const benchDir = join(root, 'bench');
    if (!existsSync(join(benchDir, 'node_modules', '.package-lock.json'))) {
      const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: benchDir, stdio: ['ignore', 2, 2] });
      if (install.status !== 0) throw new StrataError(ErrorCode.INVALID_OPTION, `npm ci in ${benchDir} failed (exit ${install.status}): install bench/'s dependencies by hand and retry`);
    }
    const args = ['tsx', 'bench/run.ts', ...suites.flatMap((s) => ['--suite', s]), ...flags];
    const run = spawnSync('npx', args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    return run.status ?? 1;
  },
};

export default bench;
