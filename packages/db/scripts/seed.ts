// pnpm db:seed [--reset] [--scale N] [--seed N] [--env staging] [--allow-remote] | --sql
// Deterministic demo data (src/seed) into DATABASE_URL, or the embedded database when it is
// not set. A database that has data is refused unless --reset, which empties the app's tables
// and auth.users first; on a host other than this machine --reset also needs --allow-remote.
// pnpm db:seed --sql writes the same data (seed 1, scale 1) to supabase/seed.sql instead.
import { writeFileSync } from 'node:fs'
import { relative } from 'node:path'
import { sql } from 'drizzle-orm'
import { createDb, type Db, executeRows } from '../src/db/client.ts'
import { parseDatabaseUrl } from '../src/db/database-url.ts'
import { defaultDataDir, readEnv } from '../src/db/env.ts'
import { ConfigError } from '../src/errors/errors.ts'
import { connectionError } from '../src/migrations/target.ts'
import { type SeedProgress, seed } from '../src/seed/index.ts'
import { buildSeedSql, seedSqlFile } from '../src/seed/seed-sql.ts'
import { parseArgs, run } from './cli.ts'
import { embeddedLabel } from './embedded-server.ts'

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])

run(async () => {
  const { values } = parseArgs({
    options: {
      reset: { type: 'boolean', default: false },
      scale: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
      env: { type: 'string' },
      'allow-remote': { type: 'boolean', default: false },
      sql: { type: 'boolean', default: false },
    },
  })
  if (values.sql) {
    writeFileSync(seedSqlFile, await buildSeedSql())
    console.log(`db:seed --sql: wrote ${relative(process.cwd(), seedSqlFile)}`)
    return
  }
  const scale = Number(values.scale)
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new ConfigError(`--scale must be a positive number, got ${values.scale}`)
  }
  const seedValue = Number(values.seed)
  if (!Number.isSafeInteger(seedValue)) {
    throw new ConfigError(`--seed must be an integer, got ${values.seed}`)
  }
  const env = readEnv(values.env)

  let db: Db
  let label: string
  if (env.DATABASE_URL) {
    const url = parseDatabaseUrl(env.DATABASE_URL)
    if (values.reset && !LOCAL_HOSTS.has(url.host) && !values['allow-remote']) {
      throw new ConfigError(
        `--reset deletes every user and row of ${url.host}, which is not this machine: add --allow-remote if that is what you want`,
      )
    }
    // The seed runs in one transaction: one connection is all it uses.
    db = createDb({ url: env.DATABASE_URL, maxConnections: 1 })
    label = `server ${url.masked}`
    let standby: boolean | undefined
    try {
      const [row] = await executeRows<{ standby: boolean }>(
        db,
        sql`select pg_is_in_recovery() as standby`,
      )
      standby = row?.standby
    } catch (error) {
      await db.close().catch(() => {})
      throw connectionError(error, url)
    }
    if (standby) {
      await db.close().catch(() => {})
      throw new ConfigError(
        `${url.masked} is a read-only standby (pg_is_in_recovery() is true): seed the primary`,
      )
    }
  } else {
    const dataDir = env.PGLITE_DATA_DIR ?? defaultDataDir
    db = createDb({ dataDir, lockAs: 'db:seed' })
    label = embeddedLabel(dataDir)
  }

  console.log(`db:seed → ${label} (seed ${seedValue}, scale ${scale})`)
  if (values.reset) console.log("  --reset: emptying the app's tables and auth.users first")
  try {
    const summary = await seed(db, {
      seed: seedValue,
      scale,
      reset: values.reset,
      onProgress: progressPrinter(),
    })
    const width = Math.max(...Object.keys(summary.tableMs).map((t) => t.length))
    for (const [table, ms] of Object.entries(summary.tableMs)) {
      const count = summary.rows[table]
      const rows = count === undefined ? '' : count.toLocaleString('en-US')
      console.log(`  ${table.padEnd(width)}  ${rows.padStart(9)}  ${ms} ms`)
    }
    console.log(`done in ${summary.ms} ms`)
  } finally {
    await db.close()
  }
})

/** A line per long table every 2 s (a large --scale runs for minutes), quiet on small runs. */
function progressPrinter() {
  let last = performance.now()
  return ({ table, done, total }: SeedProgress) => {
    const now = performance.now()
    if (done === 0) return console.log(`  … ${table}`)
    if (done === total || now - last < 2_000) return
    last = now
    const percent = total > 0 ? Math.floor((done / total) * 100) : 100
    console.log(
      `  … ${table}: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} (${percent}%)`,
    )
  }
}
