import { createStrata, ErrorCode, StrataError, type WarmProgress, type WarmReport } from '../../index.js';
import type { Command } from '../command.js';
import { loadConfig, optionsHelp } from '../config.js';

const usage = `Usage: strata warm --redis <url> [--top N] [--namespace <ns>] [--json] [options]

Reads the hot keys every instance publishes in Redis (merged, hottest first) and prefetches the top N into the
memory tier of this process, the way a new 'strata serve' or a library instance with hotKeys.warmOnStart does
before it reports ready. It shows how many of the published keys Redis still holds and how long a warm-up takes.
Progress goes to stderr (a bar on a terminal, one line per batch otherwise); the summary to stdout. Exits with 1
when a batch failed (Redis down or slow), 2 for a bad option.

  --top N           most keys to prefetch (default 1000)
  --namespace <ns>  only this namespace (default: every namespace with published hot keys)
  --json            print the summary as JSON

Options shared with 'strata serve':
${optionsHelp()}`;

const BAR_WIDTH = 30;

function bar(progress: WarmProgress): string {
  const share = progress.total === 0 ? 1 : progress.done / progress.total;
  const filled = Math.round(share * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${progress.done}/${progress.total} keys, ${progress.loaded} loaded`;
}

function summary(report: WarmReport): string {
  const lines = [
    `Warmed ${report.loaded} of ${report.total} hot keys in ${report.ms.toFixed(0)} ms` + (report.timedOut ? ' (stopped at the deadline)' : ''),
    `  not in Redis any more: ${report.notFound}, failed: ${report.failed}`,
  ];
  for (const c of report.classes) lines.push(`  ${c.namespace} / ${c.className}: ${c.keys} keys`);
  if (report.total === 0) lines.push('  no instance has published hot keys under this prefix yet (they publish every 30 s while serving reads)');
  return lines.join('\n');
}

async function run(argv: string[]): Promise<number> {
  const { config, booleans } = loadConfig(argv, process.env, ['--json']);
  if (config.redis === undefined) {
    throw new StrataError(ErrorCode.INVALID_OPTION, "strata warm needs Redis: pass --redis <url> or set STRATA_REDIS_URL. See 'strata warm --help'.");
  }
  const cache = createStrata({
    l1: config.l1MaxBytes === undefined ? {} : { maxBytes: config.l1MaxBytes },
    l2: config.redis,
    l3: false,
    prefix: config.prefix,
    // Only reads: no need to follow the other instances' invalidations.
    sync: false,
  });
  const tty = process.stderr.isTTY === true;
  try {
    const report = await cache.warm({
      top: config.top,
      namespaces: config.namespace === undefined ? '*' : [config.namespace],
      onProgress: (progress) => {
        if (tty) process.stderr.write(`\r${bar(progress)}`);
        else process.stderr.write(`warm: ${progress.done}/${progress.total} keys, ${progress.loaded} loaded\n`);
      },
    });
    if (tty && report.total > 0) process.stderr.write('\n');
    console.log(booleans.has('--json') ? JSON.stringify(report, null, 2) : summary(report));
    return report.failed > 0 ? 1 : 0;
  } finally {
    await cache.close();
  }
}

const command: Command = { name: 'warm', summary: 'prefetch the hot keys published in Redis, with a progress bar', usage, run };
export default command;
