// A seeded pseudo-random generator and the values the seed draws from it. Integer arithmetic
// only (plus sqrt, which IEEE 754 rounds exactly), so the same seed gives the same values on any
// machine and Node version. Each table draws from its own stream: changing how many rows one
// table gets leaves the others as they were.

export type Rng = {
  /** Uniform in [0, 1). */
  next(): number
  /** Integer in [min, max]. */
  int(min: number, max: number): number
  pick<T>(items: readonly T[]): T
  chance(probability: number): boolean
}

/** sfc32, seeded from the seed and the stream name through cyrb128. */
export function createRng(seed: number, stream: string): Rng {
  let [a, b, c, d] = cyrb128(`${seed}:${stream}`)
  const next = () => {
    a >>>= 0
    b >>>= 0
    c >>>= 0
    d >>>= 0
    let t = (a + b) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    d = (d + 1) | 0
    t = (t + d) | 0
    c = (c + t) | 0
    return (t >>> 0) / 4_294_967_296
  }
  // Discard the first draws: sfc32's first outputs follow the seed closely.
  for (let i = 0; i < 12; i++) next()
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
    chance: (probability) => next() < probability,
  }
}

function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1_779_033_703
  let h2 = 3_144_134_277
  let h3 = 1_013_904_242
  let h4 = 2_773_480_762
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i)
    h1 = h2 ^ Math.imul(h1 ^ k, 597_399_067)
    h2 = h3 ^ Math.imul(h2 ^ k, 2_869_860_233)
    h3 = h4 ^ Math.imul(h3 ^ k, 951_274_213)
    h4 = h1 ^ Math.imul(h4 ^ k, 2_716_044_179)
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597_399_067)
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2_869_860_233)
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951_274_213)
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2_716_044_179)
  h1 ^= h2 ^ h3 ^ h4
  h2 ^= h1
  h3 ^= h1
  h4 ^= h1
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0]
}

const hex = (n: number) => n.toString(16).padStart(8, '0')

/** An RFC 4122 version 4 uuid (the DTOs accept only those). */
export function uuid(rng: Rng): string {
  const words = [0, 0, 0, 0].map(() => Math.floor(rng.next() * 4_294_967_296))
  const h = words.map(hex).join('')
  const variant = ((Number.parseInt(h[16] as string, 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

const letters = 'abcdefghijklmnopqrstuvwxyz'
const alphanumerics = 'abcdefghijklmnopqrstuvwxyz0123456789'

/** An id in generate_cuid()'s format: a lowercase letter, then 23 of [a-z0-9] (~119 bits). */
export function cuid(rng: Rng): string {
  let id = letters[rng.int(0, 25)] as string
  for (let i = 0; i < 23; i++) id += alphanumerics[rng.int(0, 35)]
  return id
}

/**
 * A unit vector around `center` (or uniform when none): each component is `center + spread ×
 * noise`, noise an approximately normal draw (sum of four uniforms), then normalized. Clustered
 * vectors make similarity search behave as it does on real embeddings, where uniform random
 * vectors in 1536 dimensions would all be nearly orthogonal.
 */
export function unitVector(rng: Rng, dimensions: number, center?: number[], spread = 1): number[] {
  const scale = 1 / Math.sqrt(dimensions)
  const v = new Array<number>(dimensions)
  let norm = 0
  for (let i = 0; i < dimensions; i++) {
    const noise = (rng.next() + rng.next() + rng.next() + rng.next() - 2) * Math.sqrt(3) * scale
    const x = (center?.[i] ?? 0) + spread * noise
    v[i] = x
    norm += x * x
  }
  norm = Math.sqrt(norm)
  for (let i = 0; i < dimensions; i++) v[i] = (v[i] as number) / norm
  return v
}
