// pnpm db:check --live [--env staging] [--scratch-url <url>] [--migrations <dir>]
// The target database (DATABASE_URL, or the embedded one) against what the repo's migrations
// and sql/functions.sql make of an empty database: one line per difference, exit 1 when there
// is any. Only reads the target (src/drift/live.ts says how).
import { readEnv } from '../src/db/env.ts'
import { checkLive } from '../src/drift/live.ts'

/** check.ts's extra options for --live. */
export const liveOptions = {
  live: { type: 'boolean' },
  env: { type: 'string' },
  'scratch-url': { type: 'string' },
} as const

export type LiveValues = { env?: string; 'scratch-url'?: string; migrations?: string }

export async function runLiveCheck(values: LiveValues): Promise<void> {
  const env = readEnv(values.env)
  const { target, lines } = await checkLive({
    url: env.DATABASE_URL,
    dataDir: env.PGLITE_DATA_DIR,
    scratchUrl: values['scratch-url'],
    migrationsFolder: values.migrations,
    transactionPooler: env.DB_TRANSACTION_POOLER,
  })
  const where = env.DATABASE_URL ? target : `the embedded database at ${target}`
  if (lines.length === 0) {
    console.log(`db:check --live: no drift: ${where} is what the repo's migrations make`)
    return
  }
  for (const line of lines) console.log(line)
  throw new Error(
    `${lines.length} difference(s) between ${where} (live) and the repo's migrations (repo)`,
  )
}
