// pnpm db:migrate [--env staging|production] [--migrations-folder <dir>]
// Applies the Supabase environment (plain Postgres only), pending migrations and functions.sql
// to DATABASE_URL, or to the embedded database when it is not set. --migrations-folder reads
// another folder than supabase/migrations (the reliability tests use scratch copies).

import { lockDataDir } from '../src/db/data-dir-lock'
import { parseDatabaseUrl, TRANSACTION_POOLER_PORT } from '../src/db/database-url'
import { defaultDataDir, readEnv } from '../src/db/env'
import { ConfigError } from '../src/errors/errors'
import { migrate } from '../src/migrations/migrate'
import { openTarget } from '../src/migrations/target'
import { parseArgs, run } from './cli'

run(async () => {
  const { values } = parseArgs({
    options: { env: { type: 'string' }, 'migrations-folder': { type: 'string' } },
  })
  const env = readEnv(values.env)
  const url = env.DATABASE_URL
  if (url) {
    const parsed = parseDatabaseUrl(url)
    if (parsed.port === TRANSACTION_POOLER_PORT) {
      throw new ConfigError(
        `DATABASE_URL uses port ${TRANSACTION_POOLER_PORT}, Supabase's transaction pooler, which cannot run migrations: ` +
          'use the direct connection or the session pooler (port 5432)',
      )
    }
  }
  // One process per embedded data directory: db:dev or db:studio may be serving it.
  const lock = url ? undefined : lockDataDir(env.PGLITE_DATA_DIR ?? defaultDataDir, 'db:migrate')
  const target = await openTarget({ url, dataDir: env.PGLITE_DATA_DIR })
  console.log(`db:migrate → ${target.label}`)
  try {
    const summary = await migrate(target.runner, {
      migrationsFolder: values['migrations-folder'],
      log: (line) => console.log(`  ${line}`),
    })
    console.log(`  supabase environment: ${summary.environment}`)
    if (summary.adopted.length > 0) {
      console.log(`  migrations: ${summary.adopted.length} applied by the Supabase CLI, recorded`)
    }
    if (summary.applied.length === 0) {
      console.log(`  migrations: up to date (${summary.alreadyApplied} applied before)`)
    } else {
      console.log(`  migrations: applied ${summary.applied.length}`)
      for (const m of summary.applied) console.log(`    ${m.name} (${m.ms} ms)`)
    }
    console.log(`  functions.sql: ${summary.functions}`)
    console.log(`done in ${summary.ms} ms`)
  } finally {
    await target.close()
    lock?.release()
  }
})
