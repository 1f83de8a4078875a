// Memory: one million (--quick: 400,000) distinct 1 KB values through an L1 bounded to 256 MB. After a forced GC the heap must have
// grown by at most 10% more than the bound. Runs in a child process with --expose-gc and room to spare.
import { spawnSync } from 'node:child_process';
import { spreadOf } from '../lib/rounds.js';
import { BENCH_DIR, log, newResult, runIfMain, type Suite } from '../lib/suite.js';

const HEAP_LIMIT_MB = 2048;
/** The acceptance figure. */
const FULL_VALUES = 1_000_000;
/** Still 1.5× the bound (eviction runs from a third of the way in) at 40% of the time: the --quick budget is 5 minutes. */
const QUICK_VALUES = 400_000;

export const memory: Suite = async ({ quick }) => {
  const result = newResult('memory', 'Memory: 1,000,000 × 1 KB values through a 256 MB L1', quick);
  const count = quick ? QUICK_VALUES : FULL_VALUES;
  result.title = `Memory: ${count.toLocaleString('en-US')} × 1 KB values through a 256 MB L1`;
  const measure = (implementation: string): Record<string, number> => {
    log(`memory: ${count} sets through ${implementation} in a child process`);
    const child = spawnSync(process.execPath, ['--expose-gc', `--max-old-space-size=${HEAP_LIMIT_MB}`, '--import', 'tsx', 'lib/memoryChild.ts', String(count), implementation], {
      cwd: BENCH_DIR,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 600_000,
    });
    if (child.status !== 0) throw new Error(`the memory child (${implementation}) failed (exit ${child.status ?? child.signal})`);
    return JSON.parse(child.stdout.trim().split('\n').pop()!) as Record<string, number>;
  };
  const figures = measure('strata');
  const lru = measure('lru-cache');
  result.figures = figures;
  const over = figures.heapGrowthOverBound!;
  const lruOver = lru.heapGrowthOverBound!;
  result.comparisons.push({
    name: 'heap growth after GC ÷ the configured bound (256 MB); closer to 1 keeps the promise',
    unit: '× bound',
    lowerIsBetter: true,
    strata: { label: 'Strata L1 (maxBytes)', value: spreadOf([over]), detail: `${figures.l1Entries!.toLocaleString('en-US')} entries held` },
    peers: [{ label: 'lru-cache (maxSize, sizeCalculation = key + value length)', value: spreadOf([lruOver]), ratio: spreadOf([lruOver / over]), detail: `${lru.l1Entries!.toLocaleString('en-US')} entries held` }],
  });
  result.targets.push({ name: 'heap growth after GC ÷ L1 maxBytes (256 MB)', value: over, goal: '≤ 1.10', met: over <= 1.1 });
  result.notes.push(
    `Child: node --expose-gc --max-old-space-size=${HEAP_LIMIT_MB} --import tsx lib/memoryChild.ts ${count} strata|lru-cache; heap growth = heapUsed after two gc() minus heapUsed before the first set.`,
    'Strata counts each entry\'s measured overhead (the entry object, the index slot) against maxBytes, so it holds fewer entries than lru-cache, whose bound counts only what sizeCalculation returns.',
    ...(quick ? [`--quick writes ${QUICK_VALUES.toLocaleString('en-US')} values; the acceptance figure (1,000,000 values) is in results/memory.json from a full run.`] : []),
  );
  return result;
};

await runIfMain(import.meta.url, memory);
