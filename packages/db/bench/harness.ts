// Measuring without fooling ourselves on a noisy 2-core machine: both sides of a comparison
// run interleaved (A B A B …) in one process, after a warm-up, and we compare medians.

export type Stats = { n: number; p50: number; p95: number; mean: number }
export type Comparison = {
  name: string
  a: { label: string } & Stats
  b: { label: string } & Stats
  /** a.p50 / b.p50: how many times B's time A takes. */
  ratio: number
  target?: string
  note?: string
}

export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((x, y) => x - y)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  return {
    n: sorted.length,
    p50: at(0.5),
    p95: at(0.95),
    mean: sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length),
  }
}

export async function time(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await work()
  return performance.now() - started
}

export type Side = { label: string; run: (i: number) => Promise<unknown> }

/** Runs A and B alternately `iterations` times (after `warmup` of each) and compares medians. */
export async function compare(
  name: string,
  a: Side,
  b: Side,
  options: { iterations: number; warmup?: number; target?: string; note?: string },
): Promise<Comparison> {
  const warmup = options.warmup ?? Math.min(20, Math.ceil(options.iterations / 5))
  for (let i = 0; i < warmup; i++) {
    await a.run(i)
    await b.run(i)
  }
  const sa: number[] = []
  const sb: number[] = []
  for (let i = 0; i < options.iterations; i++) {
    // Alternate which side goes first, so neither always runs on a warmer cache.
    if (i % 2 === 0) {
      sa.push(await time(() => a.run(i)))
      sb.push(await time(() => b.run(i)))
    } else {
      sb.push(await time(() => b.run(i)))
      sa.push(await time(() => a.run(i)))
    }
  }
  const A = stats(sa)
  const B = stats(sb)
  return {
    name,
    a: { label: a.label, ...A },
    b: { label: b.label, ...B },
    ratio: B.p50 > 0 ? A.p50 / B.p50 : Number.NaN,
    ...(options.target ? { target: options.target } : {}),
    ...(options.note ? { note: options.note } : {}),
  }
}

export function progress(line: string) {
  process.stderr.write(`[bench] ${line}\n`)
}
