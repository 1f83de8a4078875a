import { ErrorCode, StrataError } from '../errors.js';
import type { Embedder } from './embedder.js';

export interface TransformersEmbedderOptions {
  /** Directory that holds the model (config.json, tokenizer files, onnx/model.onnx), e.g. `./models/multilingual-e5-small`. */
  modelDirectory: string;
  /** Length of the vectors the model returns. */
  dimensions: number;
  /** Pooling over token vectors (default 'mean'). */
  pooling?: 'mean' | 'cls';
  /** Text put before every input; some models expect one, e.g. `query: ` for E5. */
  prefix?: string;
}

type FeatureExtractor = (texts: string[], options: { pooling: string; normalize: boolean }) => Promise<{ data: Float32Array | number[]; dims: number[] }>;

interface TransformersModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  pipeline(task: 'feature-extraction', model: string, options?: Record<string, unknown>): Promise<FeatureExtractor>;
}

/**
 * Embeds with transformers.js (`@huggingface/transformers`, an optional package the user installs) from a model
 * directory on disk. Remote downloads are switched off: a missing model is an error, never a fetch.
 */
export class TransformersEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  private readonly options: TransformersEmbedderOptions;
  private extractor: Promise<FeatureExtractor> | undefined;

  constructor(options: TransformersEmbedderOptions) {
    if (options.modelDirectory === '') throw new StrataError(ErrorCode.INVALID_OPTION, 'modelDirectory must name a local model directory');
    this.options = options;
    this.dimensions = options.dimensions;
    this.id = `transformers:${options.modelDirectory.replace(/\/+$/, '').split('/').pop() ?? ''}:${options.pooling ?? 'mean'}:${options.dimensions}`;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const extractor = await this.load();
    const prefix = this.options.prefix ?? '';
    let output: Awaited<ReturnType<FeatureExtractor>>;
    try {
      output = await extractor(texts.map((t) => prefix + t), { pooling: this.options.pooling ?? 'mean', normalize: true });
    } catch (cause) {
      throw new StrataError(ErrorCode.EMBEDDER_FAILED, `transformers.js failed to embed with ${this.options.modelDirectory}`, { cause });
    }
    const width = output.dims[output.dims.length - 1] ?? 0;
    if (width !== this.dimensions) {
      throw new StrataError(ErrorCode.INVALID_OPTION, `the model in ${this.options.modelDirectory} returns ${width}-dimensional vectors; set dimensions: ${width}`);
    }
    const data = Float32Array.from(output.data);
    return texts.map((_, i) => data.slice(i * width, (i + 1) * width));
  }

  private load(): Promise<FeatureExtractor> {
    this.extractor ??= this.open().catch((err: unknown) => {
      this.extractor = undefined;
      throw err;
    });
    return this.extractor;
  }

  private async open(): Promise<FeatureExtractor> {
    let transformers: TransformersModule;
    try {
      // A variable specifier keeps TypeScript from requiring the optional package at build time.
      const specifier = '@huggingface/transformers';
      transformers = (await import(specifier)) as TransformersModule;
    } catch (cause) {
      throw new StrataError(
        ErrorCode.EMBEDDER_UNAVAILABLE,
        'the transformers.js provider needs the optional package: ONNXRUNTIME_NODE_INSTALL=skip npm install @huggingface/transformers',
        { cause },
      );
    }
    transformers.env.allowRemoteModels = false;
    transformers.env.allowLocalModels = true;
    try {
      return await transformers.pipeline('feature-extraction', this.options.modelDirectory, { local_files_only: true });
    } catch (cause) {
      throw new StrataError(ErrorCode.EMBEDDER_UNAVAILABLE, `could not load a transformers.js model from ${this.options.modelDirectory}: it must hold config.json, the tokenizer files and onnx/model.onnx`, { cause });
    }
  }
}
