import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EmbeddingStore } from './embeddingStore.js';

const HASH_BYTES = 20;

/**
 * An append-only file of (sha1(key), float32 vector) records, one file per embedder, read whole at open.
 * Made for evaluation runs: embedding 80k questions takes many minutes on two cores, and a re-run with another
 * strategy should not pay it again. Not meant for the serving path (the core engine's tiers are).
 */
export class EmbeddingFileStore implements EmbeddingStore {
  private readonly path: string;
  private readonly dimensions: number;
  private readonly vectors = new Map<string, Float32Array>();

  constructor(directory: string, modelId: string, dimensions: number) {
    mkdirSync(directory, { recursive: true });
    this.path = join(directory, `${modelId.replace(/[^\w.-]+/g, '_')}.f32`);
    this.dimensions = dimensions;
    if (existsSync(this.path)) this.read();
  }

  get size(): number {
    return this.vectors.size;
  }

  get(key: string): Promise<Float32Array | undefined> {
    return Promise.resolve(this.vectors.get(hashOf(key)));
  }

  set(key: string, vector: Float32Array): Promise<void> {
    const hash = hashOf(key);
    if (!this.vectors.has(hash)) {
      this.vectors.set(hash, vector);
      const record = Buffer.alloc(HASH_BYTES + 4 * this.dimensions);
      Buffer.from(hash, 'hex').copy(record, 0);
      Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).copy(record, HASH_BYTES);
      appendFileSync(this.path, record);
    }
    return Promise.resolve();
  }

  private read(): void {
    const bytes = readFileSync(this.path);
    const size = HASH_BYTES + 4 * this.dimensions;
    // A run killed mid-write leaves a partial last record: ignore it, the text is embedded again.
    for (let at = 0; at + size <= bytes.length; at += size) {
      const key = bytes.subarray(at, at + HASH_BYTES).toString('hex');
      const vector = new Float32Array(this.dimensions);
      Buffer.from(vector.buffer).set(bytes.subarray(at + HASH_BYTES, at + size));
      this.vectors.set(key, vector);
    }
  }
}

// Keys are hashed so the file holds no question text and every record has the same size.
function hashOf(key: string): string {
  return createHash('sha1').update(key).digest('hex');
}
