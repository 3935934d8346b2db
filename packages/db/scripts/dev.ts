// pnpm db:dev [--port N]
// The embedded database as a local PostgreSQL server on 127.0.0.1 (DB_DEV_PORT, default 54329),
// so psql, an app or Studio can connect by URL while it runs. Migrates first. One client at a
// time (see embedded-server.ts); Ctrl-C stops the server and closes the database cleanly.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import { describeLock, lockDataDir } from '../src/db/data-dir-lock.ts'
import { defaultDataDir, readEnv } from '../src/db/env.ts'
import { ConfigError } from '../src/errors/errors.ts'
import { migrate } from '../src/migrations/migrate.ts'
import { pgliteRunner } from '../src/migrations/sql-runner.ts'
import { parseArgs, run } from './cli.ts'
import { assertPortFree, embeddedLabel, serveEmbedded } from './embedded-server.ts'
import { stopSignal } from './signals.ts'
import { DEFAULT_DEV_PORT, parsePortFlag, readToolEnv } from './tool-env.ts'

run(async () => {
  const { values } = parseArgs({ options: { port: { type: 'string' } } })
  const env = readEnv()
  const port = parsePortFlag(values.port) ?? readToolEnv().DB_DEV_PORT ?? DEFAULT_DEV_PORT
  const dataDir = env.PGLITE_DATA_DIR ?? defaultDataDir
  const stopped = stopSignal()

  await assertPortFree(port, 'pass --port or set DB_DEV_PORT')
  const lock = lockDataDir(dataDir, 'db:dev')
  try {
    if (!dataDir.startsWith('memory://')) mkdirSync(dirname(dataDir), { recursive: true })
    const pg = new PGlite(dataDir, { extensions: { vector } })
    try {
      await pg.waitReady
      console.log(`db:dev → ${embeddedLabel(dataDir)}`)
      const summary = await migrate(pgliteRunner(pg), { log: (line) => console.log(`  ${line}`) })
      if (summary.applied.length === 0) {
        console.log(`  migrations: up to date (${summary.alreadyApplied} applied before)`)
      } else {
        console.log(`  migrations: applied ${summary.applied.length}`)
        for (const m of summary.applied) console.log(`    ${m.name} (${m.ms} ms)`)
      }
      const server = await serveEmbedded(pg, {
        port,
        log: (line) => console.log(`  ${line}`),
      }).catch((error: unknown) => {
        throw (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
          ? new ConfigError(`port ${port} is in use: pass --port or set DB_DEV_PORT`)
          : error
      })
      describeLock(lock, 'db:dev', server.url)
      if (env.DATABASE_URL && !env.DATABASE_URL.includes(`:${server.port}/`)) {
        console.log(
          '  note: DATABASE_URL is set, so the other commands use that database, not this one',
        )
      }
      console.log(`serving ${server.url}`)
      console.log('  one connection at a time (an app: DB_POOL_MAX=1); Ctrl-C stops')
      const signal = await stopped
      console.log(`${signal}: stopping`)
      await server.close()
    } finally {
      await pg.close()
    }
  } finally {
    lock.release()
  }
  console.log('stopped; the database is closed')
})
