// The only module that reads process.env. Everything else receives typed settings from here.
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { config as loadDotenv } from 'dotenv'
import { z } from 'zod'

/** The monorepo root: `.env`, `.data/` and `supabase/` live here. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')

/** Where the embedded (PGlite) database lives when `PGLITE_DATA_DIR` is not set. */
export const defaultDataDir = resolve(repoRoot, '.data/pglite')

const flag = z
  .enum(['1', '0', 'true', 'false', ''])
  .optional()
  .transform((v) => v === '1' || v === 'true')

/** Unset stays undefined: "not said" differs from "said no". */
const optionalFlag = z
  .enum(['1', '0', 'true', 'false', ''])
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v === '1' || v === 'true'))

const positiveInt = z.coerce.number().int().positive()
const port = z.coerce.number().int().min(1).max(65_535)

const envSchema = z.object({
  DATABASE_URL: z.string().trim().min(1).optional(),
  PGLITE_DATA_DIR: z.string().trim().min(1).optional(),
  DB_POOL_MAX: positiveInt.optional(),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().nonnegative().optional(),
  DB_LOG_QUERIES: flag,
  /** The URL leads through a transaction pooler (PgBouncer/Supavisor in transaction mode). */
  DB_TRANSACTION_POOLER: optionalFlag,
  /** Read replicas' URLs, separated by commas (a multi-host URL's own commas are kept). */
  DATABASE_REPLICA_URLS: z.string().trim().min(1).optional(),
  /** How long db:migrate waits for another db:migrate's lock (default 10 minutes). */
  DB_MIGRATE_LOCK_WAIT_MS: positiveInt.optional(),
  /** lock_timeout of the migrations' statements (default 5 s; 0 for none). */
  DB_MIGRATE_LOCK_TIMEOUT_MS: z.coerce.number().int().nonnegative().optional(),
  /** How many times db:migrate retries after such a lock timeout (default 0). */
  DB_MIGRATE_LOCK_RETRIES: z.coerce.number().int().min(0).max(100).optional(),
  TEST_DATABASE_URL: z.string().trim().min(1).optional(),
  /** db:dev's port (default 54329). */
  DB_DEV_PORT: port.optional(),
  /** db:studio's local server port (default 4983, drizzle-kit's own). */
  DB_STUDIO_PORT: port.optional(),
  /**
   * The squawk binary db:check lints migrations with (default: npm squawk-cli's for this
   * platform), e.g. a system install where npm has no platform package.
   */
  SQUAWK_PATH: z.string().trim().min(1).optional(),
  CI: flag,
})

export type Env = z.infer<typeof envSchema>

let loaded: Env | undefined

/**
 * Reads the repo-root `.env` (once) and then the process environment, which wins.
 * `envName` selects `.env.<name>` instead (e.g. `staging`), read on top of `.env`.
 */
export function readEnv(envName?: string): Env {
  if (loaded && !envName) return loaded
  if (envName) {
    if (!/^[a-z0-9][a-z0-9_-]*$/i.test(envName)) {
      throw new EnvError(
        `--env must be a name like staging or production, got ${JSON.stringify(envName)}`,
      )
    }
    const file = resolve(repoRoot, `.env.${envName}`)
    if (!existsSync(file)) throw new EnvError(`.env.${envName} not found at the repo root`)
    loadDotenv({ path: file, quiet: true, override: true })
  }
  loadDotenv({ path: resolve(repoRoot, '.env'), quiet: true })
  // Empty strings in .env mean "unset", as a shell user would expect.
  const raw = Object.fromEntries(
    Object.keys(envSchema.shape).map((k) => [
      k,
      process.env[k] === '' ? undefined : process.env[k],
    ]),
  )
  const parsed = envSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new EnvError(`invalid ${issue?.path.join('.')}: ${issue?.message}`)
  }
  loaded = parsed.data
  return loaded
}

export class EnvError extends Error {
  override name = 'EnvError'
}
