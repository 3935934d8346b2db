// Deterministic synthetic embeddings for tests: unit vectors around a few cluster centres,
// the shape real text embeddings have (and the hard case for an approximate index).
import { EMBEDDING_DIMENSIONS } from '../src/domains/ai/embeddings.ts'

/** mulberry32: a small seeded PRNG, so every run sees the same vectors. */
export function prng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function gaussian(random: () => number) {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
}

function normalize(v: number[]) {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0))
  return v.map((x) => x / norm)
}

export function clusteredVectors(count: number, clusters: number, seed: number, spread = 0.6) {
  const random = prng(seed)
  const centres = Array.from({ length: clusters }, () =>
    normalize(Array.from({ length: EMBEDDING_DIMENSIONS }, () => gaussian(random))),
  )
  return Array.from({ length: count }, (_, i) => {
    const centre = centres[i % clusters] as number[]
    return normalize(
      centre.map((c) => c + (spread * gaussian(random)) / Math.sqrt(EMBEDDING_DIMENSIONS)),
    )
  })
}

export { cosineDistance } from '../bench/vectors.ts'
