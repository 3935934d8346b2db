// `db:check --live`: the target database against what the repo's migrations + functions.sql
// make of an empty one. The target is only read, in one read-only transaction (a standby or a
// transaction pooler will do); the repo's side is a scratch database on the same engine, so
// the catalog's own text (pg_get_expr, pg_get_indexdef …) is printed by the same version: a
// fresh in-memory PGlite for the embedded target, a database created on the same server (or on
// --scratch-url) and dropped afterwards for a server.
import { randomUUID } from 'node:crypto'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { lockDataDir } from '../db/data-dir-lock.ts'
import { type DatabaseUrl, parseDatabaseUrl, transactionPoolerReason } from '../db/database-url.ts'
import { defaultDataDir } from '../db/env.ts'
import { SEARCH_PATH } from '../db/search-path.ts'
import { ConfigError } from '../errors/errors.ts'
import {
  functionsFile,
  type MigrationFile,
  migrationsDir,
  readMigrations,
  readScript,
} from '../migrations/files.ts'
import { isLockTimeout } from '../migrations/lock-timeout.ts'
import { migrate } from '../migrations/migrate.ts'
import { pgliteRunner, postgresRunner, type SqlRunner } from '../migrations/sql-runner.ts'
import { connectionError } from '../migrations/target.ts'
import { type CatalogObject, readCatalog } from './catalog.ts'
import { compareCatalogs } from './compare.ts'
import { readTargetHistory } from './history.ts'

export type LiveCheckOptions = {
  /** The target server; unset: the embedded database in `dataDir`. */
  url?: string
  dataDir?: string
  /** Where to make the scratch database when not on the target's server (a standby's primary). */
  scratchUrl?: string
  migrationsFolder?: string
  functionsPath?: string
  /** DB_TRANSACTION_POOLER, for saying the target is one. */
  transactionPooler?: boolean
}

export type LiveCheckResult = {
  /** What was checked: the masked URL or the data directory. */
  target: string
  /** One per difference; none: no drift. */
  lines: string[]
}

type Catalog = Map<string, CatalogObject>

/** How long the read waits for a table lock (see readTarget). */
const LOCK_TIMEOUT_MS = 5_000
type TargetRead = { lines: string[]; catalog?: Catalog; applied: MigrationFile[] }

export async function checkLive(options: LiveCheckOptions): Promise<LiveCheckResult> {
  const files = readMigrations(options.migrationsFolder ?? migrationsDir)
  const functions = readScript(options.functionsPath ?? functionsFile)
  // Read first, as it is now: history and catalog in one snapshot.
  const read = (tx: SqlRunner) => readTarget(tx, files, functions)
  const repoAsOf = async (
    applied: MigrationFile[],
    build: (folder: string) => Promise<Catalog>,
  ) => {
    const folder = appliedOnly(options.migrationsFolder ?? migrationsDir, files, applied)
    try {
      return await build(folder.dir)
    } finally {
      folder.remove()
    }
  }
  if (options.url) {
    const url = parseDatabaseUrl(options.url)
    const target = await readServer(url, read)
    if (!target.catalog) return { target: url.masked, lines: target.lines }
    const repo = await repoAsOf(target.applied, (folder) =>
      serverScratchCatalog(url, target.server, options, folder),
    )
    return {
      target: url.masked,
      lines: [...target.lines, ...compareCatalogs(target.catalog, repo)],
    }
  }
  const dataDir = options.dataDir ?? defaultDataDir
  const target = await readEmbedded(dataDir, read)
  if (!target.catalog) return { target: dataDir, lines: target.lines }
  const repo = await repoAsOf(target.applied, (folder) =>
    embeddedScratchCatalog(folder, options.functionsPath),
  )
  return { target: dataDir, lines: [...target.lines, ...compareCatalogs(target.catalog, repo)] }
}

async function readTarget(
  tx: SqlRunner,
  files: MigrationFile[],
  functions: ReturnType<typeof readScript>,
): Promise<TargetRead> {
  // Before any other statement: from here on nothing this transaction does can write.
  await tx.exec('set transaction isolation level repeatable read, read only')
  // pg_get_expr() & co. take a table's ACCESS SHARE lock for a moment, as a SELECT does: behind
  // a migration's ACCESS EXCLUSIVE they would wait as long as it runs. Bounded instead.
  await tx.exec(`set local lock_timeout = ${LOCK_TIMEOUT_MS}`)
  const history = await readTargetHistory(tx, files, functions)
  if (history.applied.length === 0) return { lines: history.lines, applied: [] }
  return { lines: history.lines, catalog: await readCatalog(tx), applied: history.applied }
}

/** A copy of the migrations folder whose journal lists only the applied migrations. */
function appliedOnly(dir: string, files: MigrationFile[], applied: MigrationFile[]) {
  if (applied.length === files.length) return { dir, remove: () => {} }
  const copy = mkdtempSync(join(tmpdir(), 'app-db-drift-'))
  const remove = () => rmSync(copy, { recursive: true, force: true })
  cpSync(dir, copy, { recursive: true })
  const journal = join(copy, 'meta/_journal.json')
  const names = new Set(applied.map((f) => f.name.replace(/\.sql$/, '')))
  const parsed = JSON.parse(readFileSync(journal, 'utf8')) as { entries: { tag: string }[] }
  parsed.entries = parsed.entries.filter((e) => names.has(e.tag))
  writeFileSync(journal, JSON.stringify(parsed, null, 2))
  return { dir: copy, remove }
}

async function readServer(
  url: DatabaseUrl,
  read: (tx: SqlRunner) => Promise<TargetRead>,
): Promise<TargetRead & { server: ServerFacts }> {
  // No prepared statements and nothing kept in the session: a transaction pooler serves it.
  const sql = postgres(url.driverUrl, {
    max: 1,
    prepare: false,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: '@app/db check --live' },
  })
  try {
    const runner = postgresRunner(sql)
    return await runner.transaction(async (tx) => {
      const result = await read(tx)
      return { ...result, server: await serverFacts(tx) }
    })
  } catch (error) {
    if (isLockTimeout(error)) {
      throw new ConfigError(
        `${url.masked}: a table was locked exclusively for more than ${LOCK_TIMEOUT_MS / 1000} s (a migration running?): check again when it is done`,
      )
    }
    throw connectionError(error, url)
  } finally {
    await sql.end({ timeout: 5 })
  }
}

type ServerFacts = { major: number; standby: boolean }

async function serverFacts(tx: SqlRunner): Promise<ServerFacts> {
  const [row] = await tx.query<{ version: number; standby: boolean }>(
    `select current_setting('server_version_num')::int as version, pg_is_in_recovery() as standby`,
  )
  return { major: Math.floor(Number(row?.version) / 10_000), standby: Boolean(row?.standby) }
}

/**
 * The repo's catalog, built in a database made for it beside the target (same server, so the
 * same version prints the catalog), or on `scratchUrl`; dropped whatever happens.
 */
async function serverScratchCatalog(
  target: DatabaseUrl,
  facts: ServerFacts,
  options: LiveCheckOptions,
  folder: string,
): Promise<Catalog> {
  if (!options.scratchUrl) {
    const pooler = transactionPoolerReason(target, { env: options.transactionPooler })
    if (pooler) {
      throw new ConfigError(
        `${target.masked} is a transaction pooler (${pooler}): reading through it is fine, but the scratch database the repo's side is built in needs a direct connection: give --scratch-url (the direct URL of the same server)`,
      )
    }
    if (facts.standby) {
      throw new ConfigError(
        `${target.masked} is a read-only standby: reading it is fine, but it cannot hold the scratch database the repo's side is built in: give --scratch-url (its primary, or a server of the same PostgreSQL version)`,
      )
    }
  }
  const server = options.scratchUrl ? parseDatabaseUrl(options.scratchUrl, '--scratch-url') : target
  const name = `app_db_drift_${randomUUID().replaceAll('-', '').slice(0, 16)}`
  const admin = postgres(server.driverUrl, { max: 1, connect_timeout: 10, onnotice: () => {} })
  const scratchFailed = (error: unknown) =>
    new ConfigError(
      `cannot build the repo's schema in a scratch database on ${server.masked}: ${
        (error as Error).message
      }${(error as { code?: string }).code === '42501' ? ' (the role needs CREATEDB there, or give --scratch-url)' : ''}`,
    )
  try {
    const [row] = await admin.unsafe<{ version: number }[]>(
      `select current_setting('server_version_num')::int as version`,
    )
    const major = Math.floor(Number(row?.version) / 10_000)
    if (major !== facts.major) {
      throw new ConfigError(
        `the scratch server ${server.masked} runs PostgreSQL ${major}, the target ${facts.major}: the catalogs print differently; use a server of the target's version`,
      )
    }
  } catch (error) {
    await admin.end({ timeout: 5 })
    throw connectionError(error, server)
  }
  try {
    try {
      await admin.unsafe(`create database "${name}" template template0`)
      // Supabase sets this per database; a new one has the server's default.
      await admin.unsafe(`alter database "${name}" set search_path = ${SEARCH_PATH}`)
    } catch (error) {
      throw scratchFailed(error)
    }
    const sql = postgres(withDatabase(server.driverUrl, name), {
      max: 1,
      connect_timeout: 10,
      onnotice: () => {},
      connection: { application_name: '@app/db check --live scratch' },
    })
    try {
      const runner = postgresRunner(sql)
      await migrate(runner, {
        migrationsFolder: folder,
        functionsPath: options.functionsPath,
      }).catch((error: unknown) => {
        throw scratchFailed(error)
      })
      return await runner.transaction((tx) => readCatalog(tx))
    } finally {
      await sql.end({ timeout: 5 })
    }
  } finally {
    await admin.unsafe(`drop database if exists "${name}" with (force)`).catch(() => {})
    await admin.end({ timeout: 5 })
  }
}

/** The URL with another database (also of a multi-host URL, which WHATWG URL cannot parse). */
function withDatabase(url: string, database: string): string {
  return url.replace(
    /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)(\/[^?#]*)?/i,
    `$1/${encodeURIComponent(database)}`,
  )
}

async function readEmbedded(
  dataDir: string,
  read: (tx: SqlRunner) => Promise<TargetRead>,
): Promise<TargetRead> {
  // PGlite would make an empty database where there is none: that is no database to check.
  if (!dataDir.startsWith('memory://') && !existsSync(join(dataDir, 'PG_VERSION'))) {
    throw new ConfigError(
      `no embedded database at ${dataDir}: run pnpm db:migrate first, or set DATABASE_URL`,
    )
  }
  // One process per data directory (db:dev or db:studio may be serving it).
  const lock = lockDataDir(dataDir, 'db:check --live')
  try {
    const pg = await openPglite(dataDir)
    try {
      return await pgliteRunner(pg).transaction(read)
    } finally {
      await pg.close()
    }
  } finally {
    lock.release()
  }
}

async function embeddedScratchCatalog(folder: string, functionsPath?: string): Promise<Catalog> {
  const pg = await openPglite('memory://')
  try {
    const runner = pgliteRunner(pg)
    await migrate(runner, { migrationsFolder: folder, functionsPath }).catch((error: unknown) => {
      throw new ConfigError(
        `cannot build the repo's schema in a scratch database: ${(error as Error).message}`,
      )
    })
    return await runner.transaction((tx) => readCatalog(tx))
  } finally {
    await pg.close()
  }
}

// Loaded only here: PGlite takes ~160 ms to import, which a server check never needs.
async function openPglite(dataDir: string) {
  const [{ PGlite }, { vector }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-pgvector'),
  ])
  const pg = new PGlite(dataDir, { extensions: { vector } })
  await pg.waitReady
  return pg
}
