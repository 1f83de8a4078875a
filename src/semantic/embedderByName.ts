import { ErrorCode, StrataError } from '../errors.js';
import type { Embedder } from './embedder.js';
import { HashingEmbedder } from './hashingEmbedder.js';
import { UseLiteEmbedder } from './useLiteEmbedder.js';

/** Embedders that need no configuration, by the short name the CLI and scripts accept. */
export const OFFLINE_EMBEDDERS = ['use', 'hashing'] as const;

export function embedderByName(name: string): Embedder {
  if (name === 'use') return new UseLiteEmbedder();
  if (name === 'hashing') return new HashingEmbedder();
  throw new StrataError(ErrorCode.INVALID_OPTION, `unknown embedder '${name}': use ${OFFLINE_EMBEDDERS.join(' or ')}`);
}
