// What a test file calls to get its own migrated database on the lane it runs in.
import { readFileSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import postgres from 'postgres'
import { inject, it } from 'vitest'
import { createDb, type Db } from '../src/db/client.ts'
import { readEnv } from '../src/db/env.ts'
import { pgliteRunner, postgresRunner, type SqlRunner } from '../src/migrations/sql-runner.ts'
import { adminUrl, cloneDatabase, dropDatabase } from './server-admin.ts'

export const lane = inject('lane')

/**
 * A case only a server has (several connections, binary COPY): registered on the server lane
 * only, so the embedded lane neither runs nor counts it as skipped.
 */
export function itOnServer(name: string, fn: () => Promise<void> | void, timeout?: number): void {
  if (lane === 'server') it(name, fn, timeout)
}

/** A case only the embedded lane has (PGlite's own API): registered there only. */
export function itOnEmbedded(name: string, fn: () => Promise<void> | void, timeout?: number): void {
  if (lane === 'embedded') it(name, fn, timeout)
}

export type TestDatabase = {
  lane: 'embedded' | 'server'
  /** The package's client, connected as the database owner (a superuser). */
  db: Db
  /** Raw SQL as the owner: scripts with several statements, catalog queries. */
  sql: SqlRunner
  /** Connection URL (server lane only): for tests that run the scripts as processes. */
  url?: string
  /** The database itself (embedded lane only): for what only PGlite's API offers (notices). */
  pglite?: PGlite
  close(): Promise<void>
}

let counter = 0

export async function openTestDatabase(): Promise<TestDatabase> {
  const migrated = inject('migrated')
  if (lane === 'embedded') {
    const pg = new PGlite({
      loadDataDir: new Blob([readFileSync(migrated)]),
      extensions: { vector },
    })
    const db = createDb({ pglite: pg })
    return { lane, db, sql: pgliteRunner(pg), pglite: pg, close: () => db.close() }
  }
  const base = readEnv().TEST_DATABASE_URL
  if (!base) throw new Error('the server lane needs TEST_DATABASE_URL')
  const name = `app_db_t_${process.pid}_${Date.now().toString(36)}_${counter++}`
  await cloneDatabase(base, migrated, name)
  const url = adminUrl(base, name)
  const db = createDb({ url, maxConnections: 4 })
  const raw = postgres(url, { max: 1, onnotice: () => {} })
  return {
    lane,
    db,
    sql: postgresRunner(raw),
    url,
    async close() {
      await db.close()
      await raw.end({ timeout: 5 })
      await dropDatabase(base, name)
    },
  }
}
