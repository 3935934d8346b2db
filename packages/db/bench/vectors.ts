// Clustered unit vectors, generated on demand from their index: the same vector for the same
// index on every run, without holding 100k × 1536 numbers in memory.
import { EMBEDDING_DIMENSIONS } from '../src/domains/ai/embeddings.ts'
import { createRng, unitVector } from '../src/seed/index.ts'

export function clusteredSource(clusters: number, seed = 7, spread = 0.6) {
  const centres = Array.from({ length: clusters }, (_, c) =>
    unitVector(createRng(seed, `centre ${c}`), EMBEDDING_DIMENSIONS),
  )
  return (i: number): Float32Array =>
    Float32Array.from(
      unitVector(
        createRng(seed, `vector ${i}`),
        EMBEDDING_DIMENSIONS,
        centres[i % clusters],
        spread,
      ),
    )
}

/** Queries are drawn past the corpus' indexes: same distribution, never in the corpus. */
export const QUERY_OFFSET = 10_000_000

/** Cosine distance in float64, computed here, not by pgvector: the independent exact answer. */
export function cosineDistance(a: ArrayLike<number>, b: ArrayLike<number>) {
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number
    const y = b[i] as number
    dot += x * y
    na += x * x
    nb += y * y
  }
  return 1 - dot / Math.sqrt(na * nb)
}
