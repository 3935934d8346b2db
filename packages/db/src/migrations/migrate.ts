// The migrator behind `pnpm db:migrate` and the test harness. On top of drizzle's migration
// format and history table (drizzle.__drizzle_migrations, compatible with drizzle-kit) it adds
// what drizzle's own migrator lacks: an advisory lock, a checksum check of applied files,
// errors that name the file and statement, the Supabase environment for plain Postgres, and
// functions.sql as a repeatable script. Everything runs in one transaction: all or nothing.
import { SEARCH_PATH } from '../db/search-path'
import {
  functionsFile,
  type MigrationFile,
  migrationsDir,
  readMigrations,
  readScript,
  type SqlScript,
  supabaseEnvFile,
} from './files'
import type { SqlRunner } from './sql-runner'

// Any constant works; it only has to be the same for every migrate process of this project.
const LOCK_KEY = 7_368_212_023

export class MigrationError extends Error {
  override name = 'MigrationError'
}

export type MigrateOptions = {
  migrationsFolder?: string
  functionsPath?: string
  supabaseEnvPath?: string
  /** Called with progress lines ("waiting for the migration lock …"). */
  log?: (line: string) => void
}

export type MigrateSummary = {
  environment: 'applied' | 'unchanged' | 'skipped (auth schema is not ours: Supabase)'
  applied: { name: string; ms: number }[]
  alreadyApplied: number
  functions: 'applied' | 'unchanged'
  ms: number
}

/** Runs on a runner bound to ONE connection (the advisory lock is per session). */
export async function migrate(
  db: SqlRunner,
  options: MigrateOptions = {},
): Promise<MigrateSummary> {
  const started = performance.now()
  const log = options.log ?? (() => {})
  const files = readMigrations(options.migrationsFolder ?? migrationsDir)
  const functions = readScript(options.functionsPath ?? functionsFile)
  const environment = readScript(options.supabaseEnvPath ?? supabaseEnvFile)

  // client_connection_check_interval: when db:migrate is killed, the server would otherwise run
  // its statement to the end (a long CREATE INDEX: minutes) while holding the migration lock,
  // and the next db:migrate would wait that long. With it, the server sees within a second
  // that the client is gone and rolls back (found by test/stress/server/migrate.stress.ts).
  await db.exec(
    `set search_path = ${SEARCH_PATH}; set statement_timeout = 0; set client_connection_check_interval = 1000`,
  )
  await assertVectorAvailable(db)
  const [free] = await db.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [
    LOCK_KEY,
  ])
  if (!free?.ok) {
    log('another db:migrate is running on this database: waiting for it to finish')
    await db.query('select pg_advisory_lock($1)', [LOCK_KEY])
  }
  try {
    return await db.transaction(async (tx) => {
      await ensureHistoryTables(tx)
      const env = await applyEnvironment(tx, environment)
      const { pending, alreadyApplied } = await pendingMigrations(tx, files, log)
      const applied: MigrateSummary['applied'] = []
      for (const file of pending) {
        const t0 = performance.now()
        await applyMigration(tx, file)
        applied.push({ name: file.name, ms: Math.round(performance.now() - t0) })
      }
      const fn = await applyRepeatable(tx, functions, applied.length > 0)
      return {
        environment: env,
        applied,
        alreadyApplied,
        functions: fn,
        ms: Math.round(performance.now() - started),
      }
    })
  } finally {
    await db.query('select pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {})
  }
}

/** Fails early, with how to fix it, where the server has no pgvector to create. */
export async function assertVectorAvailable(db: SqlRunner) {
  const [row] = await db.query<{ available: boolean }>(
    `select exists (select 1 from pg_available_extensions where name = 'vector') as available`,
  )
  if (!row?.available) {
    throw new MigrationError(
      'pgvector is not installed on this PostgreSQL server. Install it: on Debian/Ubuntu as root ' +
        '`pnpm db:provision` (builds it) or the postgresql-<major>-pgvector package of the PGDG ' +
        'repository; on Supabase enable "vector" under Database → Extensions.',
    )
  }
}

async function ensureHistoryTables(tx: SqlRunner) {
  // drizzle.__drizzle_migrations is drizzle-orm's own table, so drizzle-kit sees the same history.
  await tx.exec(`
    create schema if not exists drizzle;
    create table if not exists drizzle.__drizzle_migrations (
      id serial primary key, hash text not null, created_at bigint);
    create table if not exists drizzle.__app_db_repeatable (
      name text primary key, checksum text not null,
      applied_at timestamptz not null default now());
  `)
}

async function applyEnvironment(
  tx: SqlRunner,
  script: SqlScript,
): Promise<MigrateSummary['environment']> {
  const [auth] = await tx.query<{ ours: boolean }>(
    `select coalesce(obj_description(oid, 'pg_namespace') like 'app-db:%', false) as ours
       from pg_namespace where nspname = 'auth'`,
  )
  // An `auth` schema we did not make is Supabase's own: never touch it.
  if (auth && !auth.ours) return 'skipped (auth schema is not ours: Supabase)'
  if (auth && (await storedChecksum(tx, script.name)) === script.checksum) return 'unchanged'
  await runScript(tx, script)
  return 'applied'
}

async function applyRepeatable(tx: SqlRunner, script: SqlScript, migrationsApplied: boolean) {
  // Also after new migrations: a new table with updated_at needs its trigger.
  if (!migrationsApplied && (await storedChecksum(tx, script.name)) === script.checksum) {
    return 'unchanged' as const
  }
  await runScript(tx, script)
  return 'applied' as const
}

async function storedChecksum(tx: SqlRunner, name: string) {
  const [row] = await tx.query<{ checksum: string }>(
    'select checksum from drizzle.__app_db_repeatable where name = $1',
    [name],
  )
  return row?.checksum
}

async function runScript(tx: SqlRunner, script: SqlScript) {
  try {
    await tx.exec(script.text)
  } catch (error) {
    throw new MigrationError(`${script.name} failed: ${messageOf(error)}`)
  }
  await tx.query(
    `insert into drizzle.__app_db_repeatable (name, checksum) values ($1, $2)
     on conflict (name) do update set checksum = excluded.checksum, applied_at = now()`,
    [script.name, script.checksum],
  )
}

async function pendingMigrations(tx: SqlRunner, files: MigrationFile[], log: (l: string) => void) {
  const rows = await tx.query<{ hash: string; created_at: string }>(
    'select hash, created_at::text from drizzle.__drizzle_migrations order by created_at',
  )
  const byCreatedAt = new Map(files.map((f) => [String(f.createdAt), f]))
  let unknown = 0
  for (const row of rows) {
    const file = byCreatedAt.get(row.created_at)
    if (!file) unknown++
    else if (file.hash !== row.hash) {
      throw new MigrationError(
        `${file.name} was edited after it was applied (checksum differs). ` +
          'Applied migrations are never edited: restore the file and put the change in a new migration.',
      )
    }
  }
  if (unknown > 0) {
    log(`warning: ${unknown} applied migration(s) are not in the migrations folder`)
  }
  const applied = new Set(rows.map((r) => r.created_at))
  return {
    pending: files.filter((f) => !applied.has(String(f.createdAt))),
    alreadyApplied: rows.length,
  }
}

async function applyMigration(tx: SqlRunner, file: MigrationFile) {
  for (const [i, statement] of file.statements.entries()) {
    try {
      await tx.exec(statement)
    } catch (error) {
      const excerpt = statement.replace(/\s+/g, ' ').slice(0, 120)
      throw new MigrationError(
        `${file.name}, statement ${i + 1} of ${file.statements.length} failed: ${messageOf(error)} (in: ${excerpt})`,
      )
    }
  }
  await tx.query('insert into drizzle.__drizzle_migrations (hash, created_at) values ($1, $2)', [
    file.hash,
    file.createdAt,
  ])
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
