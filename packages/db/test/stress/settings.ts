// The sizes of the stress suite (`pnpm test:stress`), from the environment: the defaults are
// the (10,000 sign-ups, 60 s of load); CI runs smaller (see .ci/run). The package's
// own settings are read in src/db/env.ts; these belong to the tests alone.
import { z } from 'zod'

const bounded = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback)

const schema = z.object({
  /** Sign-ups per lane and per way (one after another; server: also from 8 connections). */
  STRESS_SIGNUPS: bounded(1, 100_000, 10_000),
  /** Seconds of the load test (50 users on a pool of 10). */
  STRESS_LOAD_SECONDS: bounded(1, 600, 60),
  /** db:migrate runs killed at random moments. */
  STRESS_KILLS: bounded(1, 50, 6),
  /** Seed of every generated input: the same seed replays the same run. */
  STRESS_SEED: bounded(0, 2 ** 31 - 1, 8),
})

const raw = Object.fromEntries(
  Object.keys(schema.shape).map((key) => [key, process.env[key] || undefined]),
)
export const stress = schema.parse(raw)
