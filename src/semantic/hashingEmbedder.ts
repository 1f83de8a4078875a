import { createHash } from 'node:crypto';
import type { Embedder } from './embedder.js';

export interface HashingEmbedderOptions {
  /** Vector length (default 256). */
  dimensions?: number;
}

/**
 * A deterministic bag-of-words embedder: each word and word bigram is hashed to a signed bucket. No model, instant,
 * reproducible across processes. Useful where a real model is too slow (tests, quick evaluation runs) and as a
 * lexical baseline; it knows nothing of synonyms.
 */
export class HashingEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;

  constructor(options: HashingEmbedderOptions = {}) {
    this.dimensions = options.dimensions ?? 256;
    this.id = `hashing-bow-${this.dimensions}`;
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    return Promise.resolve(texts.map((t) => this.embedOne(t)));
  }

  private embedOne(text: string): Float32Array {
    const v = new Float32Array(this.dimensions);
    const words = text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '');
    const features = [...words, ...words.slice(1).map((w, i) => `${words[i]!} ${w}`)];
    for (const f of features) {
      const h = createHash('sha1').update(f).digest();
      const bucket = h.readUInt32LE(0) % this.dimensions;
      v[bucket] = v[bucket]! + ((h[4]! & 1) === 0 ? 1 : -1);
    }
    return v;
  }
}
