// The migrator behind `pnpm db:migrate` and the test harness. On top of drizzle's migration
// format and history table (drizzle.__drizzle_migrations, compatible with drizzle-kit) it adds
// what drizzle's own migrator lacks: an advisory lock, a checksum check of applied files,
// errors that name the file and statement, the Supabase environment for plain Postgres, and
// functions.sql as a repeatable script. Everything runs in one transaction: all or nothing.
// It also keeps the Supabase CLI's history (supabase-history.ts): a migration either tool
// applied is applied for both.
import { SEARCH_PATH } from '../db/search-path.ts'
import {
  functionsFile,
  type MigrationFile,
  migrationsDir,
  readMigrations,
  readScript,
  type SqlScript,
  supabaseEnvFile,
} from './files.ts'
import {
  DEFAULT_LOCK_TIMEOUT_MS,
  isLockTimeout,
  LockTimeout,
  lockTimeoutError,
  sessionSummary,
} from './lock-timeout.ts'
import { MigrationError } from './migration-error.ts'
import type { SqlRunner } from './sql-runner.ts'
import {
  type CliRow,
  cliVersion,
  ensureCliHistory,
  missingTables,
  ranThisFile,
  readCliHistory,
  recordInCliHistory,
} from './supabase-history.ts'

// Any constant works; it only has to be the same for every migrate process of this project.
const LOCK_KEY = 7_368_212_023

export { MigrationError }

export type MigrateOptions = {
  migrationsFolder?: string
  functionsPath?: string
  supabaseEnvPath?: string
  /** How long to wait for another db:migrate's lock. Default 10 minutes. */
  lockWaitMs?: number
  /**
   * lock_timeout for the migrations' own statements: one that waits longer for a table lock
   * fails the run (nothing changed) naming the table and who holds it. Default 5 s; 0 for none.
   */
  lockTimeoutMs?: number
  /** Runs retried after such a lock timeout, a second apart. Default 0. */
  lockRetries?: number
  /** Called with progress lines ("waiting for the migration lock …"). */
  log?: (line: string) => void
}

export type MigrateSummary = {
  environment: 'applied' | 'unchanged' | 'skipped (auth schema is not ours: Supabase)'
  applied: { name: string; ms: number }[]
  alreadyApplied: number
  /** Applied before by the Supabase CLI, now recorded in drizzle's history without running. */
  adopted: string[]
  functions: 'applied' | 'unchanged'
  ms: number
}

/** Runs in one transaction on the runner; the migration lock lasts as long as it. */
export async function migrate(
  db: SqlRunner,
  options: MigrateOptions = {},
): Promise<MigrateSummary> {
  const started = performance.now()
  const log = options.log ?? (() => {})
  const files = readMigrations(options.migrationsFolder ?? migrationsDir)
  const functions = readScript(options.functionsPath ?? functionsFile)
  const environment = readScript(options.supabaseEnvPath ?? supabaseEnvFile)

  await assertVectorAvailable(db)
  await assertPrimary(db)
  // Everything, the lock too, is scoped to the one transaction: nothing outlives it, on any
  // connection, even one a pooler hands to someone else afterwards.
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS
  const retries = options.lockRetries ?? 0
  const once = () =>
    db.transaction(async (tx) => {
      // client_connection_check_interval: when db:migrate is killed, the server would otherwise
      // run its statement to the end (a long CREATE INDEX: minutes) while holding the migration
      // lock, and the next db:migrate would wait that long. With it, the server sees within a
      // second that the client is gone and rolls back (test/stress/server/migrate.stress.ts).
      await tx.exec(
        `set local search_path = ${SEARCH_PATH}; set local statement_timeout = 0; set local client_connection_check_interval = 1000`,
      )
      await takeMigrationLock(tx, options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS, log)
      await tx.exec(`set local lock_timeout = ${Math.round(lockTimeoutMs)}`)
      await ensureHistoryTables(tx)
      const env = await applyEnvironment(tx, environment)
      const { pending, alreadyApplied, adopted } = await pendingMigrations(tx, files, log)
      const applied: MigrateSummary['applied'] = []
      for (const file of pending) {
        const t0 = performance.now()
        await applyMigration(tx, file, lockTimeoutMs)
        applied.push({ name: file.name, ms: Math.round(performance.now() - t0) })
      }
      const fn = await applyRepeatable(tx, functions, applied.length > 0)
      return {
        environment: env,
        applied,
        alreadyApplied,
        adopted,
        functions: fn,
        ms: Math.round(performance.now() - started),
      }
    })
  for (let attempt = 0; ; attempt++) {
    try {
      return await once()
    } catch (error) {
      if (!(error instanceof LockTimeout)) throw error
      // Rolled back; the blockers are looked up now, outside the failed transaction.
      const failure = await lockTimeoutError(db, error)
      if (attempt >= retries) throw failure
      log(`${failure.message.split(';')[0]}: retrying in 1 s (${attempt + 1} of ${retries})`)
      await new Promise((done) => setTimeout(done, 1_000))
    }
  }
}

const DEFAULT_LOCK_WAIT_MS = 10 * 60_000

/**
 * The migration lock, transaction-scoped. When another db:migrate holds it, waits up to
 * `waitMs`, then fails naming the session that holds it.
 */
async function takeMigrationLock(tx: SqlRunner, waitMs: number, log: (line: string) => void) {
  const [free] = await tx.query<{ ok: boolean }>('select pg_try_advisory_xact_lock($1) as ok', [
    LOCK_KEY,
  ])
  if (free?.ok) return
  log('another db:migrate is running on this database: waiting for it to finish')
  await tx.exec(`set local lock_timeout = ${Math.round(waitMs)}`)
  try {
    await tx.exec('savepoint migration_lock')
    await tx.query('select pg_advisory_xact_lock($1)', [LOCK_KEY])
    await tx.exec('release savepoint migration_lock')
  } catch (error) {
    if (!isLockTimeout(error)) throw error
    await tx.exec('rollback to savepoint migration_lock')
    throw new MigrationError(
      `the migration lock is still held after ${Math.round(waitMs / 1000)} s by ${await lockHolder(tx)}: wait for it, or end that session (select pg_terminate_backend(pid)); nothing was changed`,
    )
  }
}

async function lockHolder(tx: SqlRunner): Promise<string> {
  const key = BigInt(LOCK_KEY)
  const [row] = await tx.query<{ who: string }>(
    `select ${sessionSummary} as who
      from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.classid = $1 and l.objid = $2
      limit 1`,
    [Number(key >> 32n), Number(key & 0xffffffffn)],
  )
  return row?.who ?? 'a session that has just ended'
}

/** Migrations change the primary; a standby (hot or not) would refuse them statement by statement. */
export async function assertPrimary(db: SqlRunner) {
  const [row] = await db.query<{ standby: boolean }>('select pg_is_in_recovery() as standby')
  if (row?.standby) {
    throw new MigrationError(
      'this server is a read-only standby (pg_is_in_recovery() is true): run against the primary',
    )
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
  await ensureCliHistory(tx)
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
  const cli = await readCliHistory(tx)
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
  const ours = new Set(rows.map((r) => r.created_at))
  const local = new Set(files.map((f) => cliVersion(f).version))
  const foreign = [...cli.keys()].filter((v) => !local.has(v))
  if (foreign.length > 0 && unknown === 0) {
    throw new MigrationError(
      `the Supabase CLI applied migration(s) ${foreign.join(', ')} that are not in the migrations ` +
        'folder: bring those files into supabase/migrations (git pull), or, if they were undone, ' +
        `\`supabase migration repair --status reverted ${foreign.join(' ')}\``,
    )
  }
  const adopted: MigrationFile[] = []
  const pending: MigrationFile[] = []
  for (const file of files) {
    if (ours.has(String(file.createdAt))) continue
    const row = cli.get(cliVersion(file).version)
    if (row) adopted.push(await verifiedCliMigration(tx, file, row, files))
    else pending.push(file)
  }
  // The CLI applies in version order: a pending file older than one it applied means its
  // history was marked by hand or a push failed half-way with files added in between.
  const newestAdopted = adopted.at(-1)
  const skipped = newestAdopted && pending.find((f) => f.name < newestAdopted.name)
  if (newestAdopted && skipped) {
    throw new MigrationError(
      `the Supabase CLI's history has ${newestAdopted.name} applied but not the older ${skipped.name}: ` +
        'see `supabase migration list`; apply the missing ones with `supabase db push --include-all`, ' +
        `or mark ${cliVersion(newestAdopted).version} unapplied with ` +
        `\`supabase migration repair --status reverted ${cliVersion(newestAdopted).version}\` and run db:migrate again`,
    )
  }
  for (const file of adopted) {
    await recordInDrizzleHistory(tx, file)
    log(`${file.name}: applied by the Supabase CLI before, recorded`)
  }
  // Applied by db:migrate before it kept the CLI's history too: the CLI would run them again.
  for (const file of files) {
    if (ours.has(String(file.createdAt)) && !cli.has(cliVersion(file).version)) {
      await recordInCliHistory(tx, file)
    }
  }
  return { pending, alreadyApplied: rows.length, adopted: adopted.map((f) => f.name) }
}

/** A version the CLI recorded: the file it ran must be this one, and its tables must be there. */
async function verifiedCliMigration(
  tx: SqlRunner,
  file: MigrationFile,
  row: CliRow,
  files: MigrationFile[],
): Promise<MigrationFile> {
  if (!ranThisFile(file, row)) {
    throw new MigrationError(
      `${file.name} differs from what the Supabase CLI applied as version ${row.version}: ` +
        'applied migrations are never edited; restore the file and put the change in a new migration',
    )
  }
  const folderText = files.flatMap((f) => f.statements).join('\n')
  const missing = await missingTables(tx, file, folderText)
  if (missing.length > 0) {
    throw new MigrationError(
      `the Supabase CLI's history says ${file.name} is applied, but ${missing.join(', ')} ` +
        'it creates does not exist (marked applied by `supabase migration repair`?): run ' +
        `\`supabase migration repair --status reverted ${row.version}\`, then db:migrate again`,
    )
  }
  return file
}

async function recordInDrizzleHistory(tx: SqlRunner, file: MigrationFile) {
  await tx.query('insert into drizzle.__drizzle_migrations (hash, created_at) values ($1, $2)', [
    file.hash,
    file.createdAt,
  ])
}

async function applyMigration(tx: SqlRunner, file: MigrationFile, lockTimeoutMs: number) {
  for (const [i, statement] of file.statements.entries()) {
    try {
      await tx.exec(statement)
    } catch (error) {
      if (isLockTimeout(error)) throw new LockTimeout(file.name, statement, lockTimeoutMs)
      const excerpt = statement.replace(/\s+/g, ' ').slice(0, 120)
      throw new MigrationError(
        `${file.name}, statement ${i + 1} of ${file.statements.length} failed: ${messageOf(error)} (in: ${excerpt})`,
      )
    }
  }
  await recordInDrizzleHistory(tx, file)
  await recordInCliHistory(tx, file)
}

export function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  // Where the migrating role is not a superuser (Supabase's postgres), only an extension that
  // is already enabled can be used.
  if (/permission denied to create extension "vector"/.test(message)) {
    return (
      `${message}: enable pgvector first, as a role that may: on Supabase under Database → ` +
      'Extensions ("vector", schema extensions); on another server as a superuser, ' +
      '`create extension vector with schema extensions`'
    )
  }
  return message
}
