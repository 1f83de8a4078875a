import { ErrorCode, StrataError } from '../../errors.js';
import { TRACE_FORMATS, compareOnTrace, type TraceFormat } from '../../index.js';
import type { Command } from '../command.js';
import { parseCommandArgs } from '../commandArgs.js';

const usage = `Usage: strata trace --file F [--format lines|u32be|u64be] --capacity N [--json]

Replays a key trace through the L1 policy (W-TinyLFU) and through plain LRU, both holding N entries,
and prints their hit ratios.

Options:
  --file F        trace file; .gz is read with zlib, .xz with the system's xz (package xz-utils)
  --format FMT    lines: one key a line, '*' lines skipped (default); u32be / u64be: big-endian integers
  --capacity N    cache capacity in entries (positive integer)
  --json          print one JSON object {"policy": ratio, "lru": ratio, "requests": n}, ratios in 0..1`;

const trace: Command = {
  name: 'trace',
  summary: 'hit ratio of the L1 policy vs LRU on a key trace',
  usage,
  async run(argv: string[]): Promise<number> {
    const parsed = parseCommandArgs('trace', {
      args: argv,
      options: {
        file: { type: 'string' },
        format: { type: 'string', default: 'lines' },
        capacity: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      allowPositionals: false,
      strict: true,
    });
    const { file, format, capacity, json } = parsed.values;
    if (file === undefined || file === '') {
      throw new StrataError(ErrorCode.INVALID_OPTION, "missing --file: give the path of a key trace (see 'strata trace --help')");
    }
    if (!TRACE_FORMATS.includes(format as TraceFormat)) {
      throw new StrataError(ErrorCode.INVALID_OPTION, `unknown --format '${format}': use one of ${TRACE_FORMATS.join(', ')}`);
    }
    const entries = Number(capacity);
    if (capacity === undefined || !/^\d+$/.test(capacity) || !Number.isSafeInteger(entries) || entries < 1) {
      throw new StrataError(
        ErrorCode.INVALID_OPTION,
        `--capacity must be a positive integer number of entries, got ${capacity === undefined ? 'nothing' : `'${capacity}'`}`,
      );
    }
    const result = await compareOnTrace(file, format as TraceFormat, entries);
    if (json) {
      console.log(JSON.stringify(result));
      return 0;
    }
    const pct = (ratio: number): string => `${(ratio * 100).toFixed(2)}%`;
    console.log(`${file}: ${result.requests} requests, capacity ${entries} entries`);
    console.log(`  W-TinyLFU  ${pct(result.policy)}`);
    console.log(`  LRU        ${pct(result.lru)}`);
    return 0;
  },
};

export default trace;
