import { ErrorCode, StrataError } from '../errors.js';
import type { Embedder } from './embedder.js';

export interface OpenAiEmbedderOptions {
  /** API root including the version, e.g. `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1` (Ollama), a vLLM server. */
  baseUrl: string;
  /** Model name sent in the request, e.g. `text-embedding-3-small`. */
  model: string;
  /** Length of the vectors the model returns; checked on every answer. */
  dimensions: number;
  /** Sent as `Authorization: Bearer <apiKey>`; omit for local servers that need none. */
  apiKey?: string;
  /** Texts per HTTP request (default 64). */
  maxBatch?: number;
  /** Milliseconds before a request is aborted (default 10 000). */
  timeoutMs?: number;
}

interface EmbeddingsResponse {
  data?: { index?: number; embedding?: unknown }[];
}

/** Embeds through any server that speaks OpenAI's `POST /embeddings` (OpenAI, Ollama, vLLM, LiteLLM…). */
export class OpenAiEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  private readonly url: string;
  private readonly options: OpenAiEmbedderOptions;
  private readonly maxBatch: number;
  private readonly timeoutMs: number;

  constructor(options: OpenAiEmbedderOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch (cause) {
      throw new StrataError(ErrorCode.INVALID_OPTION, `baseUrl must be an absolute URL such as http://127.0.0.1:11434/v1, got '${options.baseUrl}'`, { cause });
    }
    if (options.model === '') throw new StrataError(ErrorCode.INVALID_OPTION, 'model must name the embedding model, e.g. text-embedding-3-small');
    if (!Number.isInteger(options.dimensions) || options.dimensions < 1) {
      throw new StrataError(ErrorCode.INVALID_OPTION, `dimensions must be a positive integer, got ${String(options.dimensions)}`);
    }
    this.options = options;
    this.url = base.href.replace(/\/$/, '') + '/embeddings';
    this.id = `openai:${base.host}:${options.model}:${options.dimensions}`;
    this.dimensions = options.dimensions;
    this.maxBatch = options.maxBatch ?? 64;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.maxBatch) {
      out.push(...(await this.request(texts.slice(i, i + this.maxBatch))));
    }
    return out;
  }

  private async request(input: string[]): Promise<Float32Array[]> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.apiKey !== undefined) headers.authorization = `Bearer ${this.options.apiKey}`;
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: this.options.model, input, encoding_format: 'float' }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
      throw new StrataError(
        ErrorCode.EMBEDDER_FAILED,
        timedOut ? `embedding request to ${this.url} timed out after ${this.timeoutMs} ms` : `embedding request to ${this.url} failed: check baseUrl and that the server is up`,
        { cause, details: { url: this.url } },
      );
    }
    const body = await response.text();
    if (!response.ok) {
      throw new StrataError(ErrorCode.EMBEDDER_FAILED, `embedding server answered ${response.status}: ${body.slice(0, 200)}`, {
        details: { url: this.url, status: response.status },
      });
    }
    return this.parse(body, input.length);
  }

  private parse(body: string, expected: number): Float32Array[] {
    let parsed: EmbeddingsResponse;
    try {
      parsed = JSON.parse(body) as EmbeddingsResponse;
    } catch (cause) {
      throw new StrataError(ErrorCode.EMBEDDER_FAILED, `embedding server at ${this.url} did not answer JSON`, { cause });
    }
    const data = parsed.data;
    if (!Array.isArray(data) || data.length !== expected) {
      throw new StrataError(ErrorCode.EMBEDDER_FAILED, `embedding server at ${this.url} returned ${Array.isArray(data) ? data.length : 'no'} vectors for ${expected} texts`);
    }
    const out = new Array<Float32Array>(expected);
    data.forEach((item, position) => {
      const index = item.index ?? position;
      const v = item.embedding;
      if (!Array.isArray(v) || v.length !== this.dimensions || !v.every((x) => typeof x === 'number') || out[index] !== undefined) {
        throw new StrataError(ErrorCode.EMBEDDER_FAILED, `embedding server at ${this.url} returned a malformed vector (expected ${this.dimensions} numbers)`);
      }
      out[index] = Float32Array.from(v as number[]);
    });
    return out;
  }
}
