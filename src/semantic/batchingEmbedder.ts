import type { Embedder } from './embedder.js';

export interface BatchingEmbedderOptions {
  /** Most texts sent to the inner embedder in one call (default 64). */
  maxBatch?: number;
}

interface Pending {
  texts: readonly string[];
  resolve(vectors: Float32Array[]): void;
  reject(err: unknown): void;
}

/**
 * Coalesces `embed` calls made within the same tick into one call of the inner embedder, so many concurrent
 * lookups pay one model invocation (or one HTTP request) instead of one each. Identical texts are embedded once.
 */
export class BatchingEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  private readonly inner: Embedder;
  private readonly maxBatch: number;
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(inner: Embedder, options: BatchingEmbedderOptions = {}) {
    this.inner = inner;
    this.id = inner.id;
    this.dimensions = inner.dimensions;
    this.maxBatch = options.maxBatch ?? 64;
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ texts, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    const unique = [...new Set(batch.flatMap((p) => p.texts))];
    const vectors = new Map<string, Float32Array>();
    try {
      for (let i = 0; i < unique.length; i += this.maxBatch) {
        const chunk = unique.slice(i, i + this.maxBatch);
        const out = await this.inner.embed(chunk);
        chunk.forEach((text, j) => vectors.set(text, out[j]!));
      }
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    // Each caller gets its own copy: a caller that scales its vector in place must not change another's.
    for (const p of batch) p.resolve(p.texts.map((t) => Float32Array.from(vectors.get(t)!)));
  }
}
