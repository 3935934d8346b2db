// pnpm db:migrate [--env staging|production] [--migrations-folder <dir>]
// Applies the Supabase environment (plain Postgres only), pending migrations and functions.sql
// to DATABASE_URL, or to the embedded database when it is not set. --migrations-folder reads
// another folder than supabase/migrations (the reliability tests use scratch copies).

import { lockDataDir } from '../src/db/data-dir-lock.ts'
import { defaultDataDir, readEnv } from '../src/db/env.ts'
import { migrate } from '../src/migrations/migrate.ts'
import { openTarget } from '../src/migrations/target.ts'
import { parseArgs, run } from './cli.ts'

run(async () => {
  const { values } = parseArgs({
    options: { env: { type: 'string' }, 'migrations-folder': { type: 'string' } },
  })
  const env = readEnv(values.env)
  const url = env.DATABASE_URL
  // One process per embedded data directory: db:dev or db:studio may be serving it.
  const lock = url ? undefined : lockDataDir(env.PGLITE_DATA_DIR ?? defaultDataDir, 'db:migrate')
  const target = await openTarget({
    url,
    dataDir: env.PGLITE_DATA_DIR,
    transactionPooler: env.DB_TRANSACTION_POOLER,
  })
  console.log(`db:migrate → ${target.label}`)
  try {
    const summary = await migrate(target.runner, {
      migrationsFolder: values['migrations-folder'],
      lockWaitMs: env.DB_MIGRATE_LOCK_WAIT_MS,
      lockTimeoutMs: env.DB_MIGRATE_LOCK_TIMEOUT_MS,
      lockRetries: env.DB_MIGRATE_LOCK_RETRIES,
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
