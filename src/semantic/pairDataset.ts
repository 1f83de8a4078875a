import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ErrorCode, StrataError } from '../errors.js';

/** One labelled question pair: `label` 1 when serving `a`'s answer for `b` is correct. */
export interface QuestionPair {
  a: string;
  b: string;
  label: 0 | 1;
}

/** Which part of a pair file to use: the training split, the held-out rest, or everything. */
export type PairSplit = 'train' | 'held-out' | 'all';

/** Share of pairs in the training split. */
export const TRAIN_FRACTION = 0.7;

/**
 * The split a pair belongs to, from a hash of its text: stable across runs, file orders and subsets, so a pair
 * used to train the verifier is never counted in its held-out evaluation.
 */
export function splitOf(pair: QuestionPair): Exclude<PairSplit, 'all'> {
  const h = createHash('sha1').update(pair.a).update('\n').update(pair.b).digest();
  return h.readUInt32BE(0) / 0x1_0000_0000 < TRAIN_FRACTION ? 'train' : 'held-out';
}

/** Reads a JSONL file of `{ "a", "b", "label" }` objects; `limit` applies after the split filter. */
export function readPairs(path: string, options: { split?: PairSplit; limit?: number } = {}): QuestionPair[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new StrataError(ErrorCode.INVALID_INPUT, `cannot read the pair file ${path}: pass an existing JSONL file with --data`, { cause });
  }
  const split = options.split ?? 'all';
  const limit = options.limit ?? Infinity;
  const pairs: QuestionPair[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && pairs.length < limit; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let row: { a?: unknown; b?: unknown; label?: unknown };
    try {
      row = JSON.parse(line) as typeof row;
    } catch (cause) {
      throw new StrataError(ErrorCode.INVALID_INPUT, `${path}:${i + 1} is not JSON; each line must be {"a": "...", "b": "...", "label": 0|1}`, { cause });
    }
    if (typeof row.a !== 'string' || typeof row.b !== 'string' || (row.label !== 0 && row.label !== 1)) {
      throw new StrataError(ErrorCode.INVALID_INPUT, `${path}:${i + 1} needs string fields "a" and "b" and a "label" of 0 or 1`);
    }
    const pair: QuestionPair = { a: row.a, b: row.b, label: row.label };
    if (split === 'all' || splitOf(pair) === split) pairs.push(pair);
  }
  if (pairs.length === 0) throw new StrataError(ErrorCode.INVALID_INPUT, `${path} holds no pairs${split === 'all' ? '' : ` in the ${split} split`}`);
  return pairs;
}
