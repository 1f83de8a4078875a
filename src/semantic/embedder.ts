/**
 * Turns texts into fixed-length vectors. Implementations return one vector per input text, in order.
 * Vectors need not be unit length: the semantic layer normalises before comparing by cosine.
 */
export interface Embedder {
  /** Names the model and its settings; part of every partition and embedding-cache key, so two models never mix. */
  readonly id: string;
  /** Length of every vector this embedder returns. */
  readonly dimensions: number;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

/** Scales `v` in place to unit length (a zero vector stays zero) and returns it. */
export function normaliseVector(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  if (sum === 0) return v;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * inv;
  return v;
}

/** Cosine similarity of two unit vectors (their dot product). */
export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) sum += a[i]! * b[i]!;
  return sum;
}
