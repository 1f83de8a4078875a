import { createRequire } from 'node:module';
import { ErrorCode, StrataError } from '../errors.js';
import { dot } from './embedder.js';

type HnswModule = typeof import('hnswlib-node');
type HnswGraph = InstanceType<HnswModule['HierarchicalNSW']>;

// hnswlib-node ships CommonJS with a native addon; require keeps it out of the ESM loader's interop path.
const require = createRequire(import.meta.url);
let hnswlib: HnswModule | undefined;

/** A graph starts with room for this many vectors and doubles up to `maxElements`, so small partitions stay small. */
const INITIAL_GRAPH_CAPACITY = 1024;

export interface VectorIndexOptions {
  /** Length of every vector. */
  dimensions: number;
  /** Most vectors kept; adding one more evicts the oldest (default 100 000). */
  maxElements?: number;
  /** Up to this many vectors are searched exhaustively, which is exact and cheaper than a graph (default 256). */
  bruteForceLimit?: number;
  /** HNSW edges per node (default 16). */
  connectivity?: number;
  /** HNSW candidate list while inserting (default 128). */
  expansionAdd?: number;
  /** HNSW candidate list while searching (default 64). */
  expansionSearch?: number;
}

/** A nearest neighbour: the id given to `add` and its cosine similarity to the query. */
export interface Neighbour {
  id: number;
  similarity: number;
}

/**
 * The vectors of one partition, searched by cosine similarity. Small partitions are scanned exhaustively; past
 * `bruteForceLimit` they move to an HNSW graph (hnswlib-node, chosen by bench/vector-index.ts). Bounded: the oldest
 * vector is evicted when full. Callers pass unit vectors (the semantic cache normalises).
 */
export class VectorIndex {
  readonly dimensions: number;
  private readonly options: Required<VectorIndexOptions>;
  /** Insertion order for eviction; holds the vectors too while the partition is small enough for a scan. */
  private readonly order = new Map<number, Float32Array | null>();
  private graph: HnswGraph | undefined;
  /** Deleted graph slots not yet reused: an insert reuses one before the graph grows. */
  private deletedSlots = 0;

  constructor(options: VectorIndexOptions) {
    this.options = { maxElements: 100_000, bruteForceLimit: 256, connectivity: 16, expansionAdd: 128, expansionSearch: 64, ...options };
    this.dimensions = options.dimensions;
    for (const [name, value] of Object.entries(this.options)) {
      if (!Number.isInteger(value) || value < (name === 'bruteForceLimit' ? 0 : 1)) {
        throw new StrataError(ErrorCode.INVALID_OPTION, `vector index option ${name} must be a positive integer, got ${String(value)}`);
      }
    }
  }

  get size(): number {
    return this.order.size;
  }

  has(id: number): boolean {
    return this.order.has(id);
  }

  /** Adds (or replaces) the vector of `id`; returns the ids evicted to make room, oldest first. */
  add(id: number, vector: Float32Array): number[] {
    if (vector.length !== this.dimensions) {
      throw new StrataError(ErrorCode.INVALID_OPTION, `vector has ${vector.length} dimensions, the index ${this.dimensions}`);
    }
    this.remove(id);
    const evicted: number[] = [];
    while (this.order.size >= this.options.maxElements) {
      const oldest = this.order.keys().next().value!;
      this.remove(oldest);
      evicted.push(oldest);
    }
    if (this.graph === undefined && this.order.size >= this.options.bruteForceLimit) this.buildGraph();
    if (this.graph === undefined) {
      this.order.set(id, vector);
    } else {
      this.order.set(id, null);
      this.addToGraph(this.graph, id, vector);
    }
    return evicted;
  }

  remove(id: number): boolean {
    if (!this.order.delete(id)) return false;
    if (this.graph !== undefined) {
      this.graph.markDelete(id);
      this.deletedSlots++;
    }
    return true;
  }

  /** The `k` most similar vectors, most similar first. */
  search(query: Float32Array, k: number): Neighbour[] {
    if (this.order.size === 0 || k < 1) return [];
    if (this.graph === undefined) {
      const all: Neighbour[] = [];
      for (const [id, v] of this.order) all.push({ id, similarity: dot(query, v!) });
      return all.sort((x, y) => y.similarity - x.similarity).slice(0, k);
    }
    const { neighbors, distances } = this.graph.searchKnn(Array.from(query), Math.min(k, this.order.size));
    // hnswlib's cosine distance is 1 − similarity.
    return neighbors.map((id, i) => ({ id, similarity: 1 - distances[i]! }));
  }

  private buildGraph(): void {
    hnswlib ??= require('hnswlib-node') as HnswModule;
    const graph = new hnswlib.HierarchicalNSW('cosine', this.dimensions);
    graph.initIndex({
      maxElements: Math.min(this.options.maxElements, Math.max(INITIAL_GRAPH_CAPACITY, 2 * this.options.bruteForceLimit)),
      m: this.options.connectivity,
      efConstruction: this.options.expansionAdd,
      randomSeed: 100,
      allowReplaceDeleted: true,
    });
    graph.setEf(this.options.expansionSearch);
    this.graph = graph;
    for (const [id, v] of this.order) {
      this.addToGraph(graph, id, v!);
      this.order.set(id, null);
    }
  }

  private addToGraph(graph: HnswGraph, id: number, vector: Float32Array): void {
    if (this.deletedSlots > 0) {
      this.deletedSlots--;
    } else if (graph.getCurrentCount() >= graph.getMaxElements()) {
      graph.resizeIndex(Math.min(this.options.maxElements, 2 * graph.getMaxElements()));
    }
    // hnswlib-node takes plain arrays only.
    graph.addPoint(Array.from(vector), id, true);
  }
}
