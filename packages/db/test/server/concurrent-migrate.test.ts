// Several db:migrate processes on one empty server database (the server lane only: an
// embedded database belongs to one process).
import postgres from 'postgres'
import { describe, expect, it } from 'vitest'
import { readEnv } from '../../src/db/env.ts'
import { readMigrations } from '../../src/migrations/files.ts'
import { addMigration, copyMigrations, scratchDir } from '../reliability/scratch-migrations.ts'
import { runScript } from '../run-script.ts'
import { adminUrl, dropDatabase, withAdmin } from '../server-admin.ts'

/** A promise and the function that settles it: one test step waiting for another. */
function signal(): [Promise<void>, () => void] {
  let settle = () => {}
  const settled = new Promise<void>((done) => {
    settle = done
  })
  return [settled, settle]
}

describe('concurrent db:migrate on one empty server database', () => {
  it('4 processes at once all exit 0 and record each migration once', async () => {
    const base = readEnv().TEST_DATABASE_URL as string
    const name = `app_db_concurrent_${process.pid}_${Date.now().toString(36)}`
    await withAdmin(base, (sql) => sql.unsafe(`create database "${name}"`))
    try {
      const url = adminUrl(base, name)
      const runs = await Promise.all(
        Array.from({ length: 4 }, () => runScript('migrate', [], { DATABASE_URL: url })),
      )
      for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' })
      expect(
        runs.filter((r) =>
          new RegExp(`migrations: applied ${readMigrations().length}\\n`).test(r.stdout),
        ),
      ).toHaveLength(1)
      const counts = await withAdmin(
        url,
        (sql) =>
          sql<{ created_at: string; n: number }[]>`
          select created_at::text, count(*)::int as n from drizzle.__drizzle_migrations group by 1`,
      )
      expect(counts).toHaveLength(readMigrations().length)
      expect(counts.every((c) => c.n === 1)).toBe(true)
    } finally {
      await dropDatabase(base, name)
    }
  })

  it('waits for the lock only so long, then names who holds it, changing nothing', async () => {
    const base = readEnv().TEST_DATABASE_URL as string
    const name = `app_db_lockwait_${process.pid}_${Date.now().toString(36)}`
    await withAdmin(base, (sql) => sql.unsafe(`create database "${name}"`))
    const url = adminUrl(base, name)
    // Another migration in progress: a transaction holding the migration lock.
    const holder = postgres(url, {
      max: 1,
      onnotice: () => {},
      connection: { application_name: 'a long migration' },
    })
    const [released, release] = signal()
    try {
      const [isLocked, locked] = signal()
      const held = holder.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(7368212023)`
        locked()
        await released
      })
      await isLocked
      const run = await runScript('migrate', [], {
        DATABASE_URL: url,
        DB_MIGRATE_LOCK_WAIT_MS: '500',
      })
      expect(run.code).toBe(1)
      expect(run.stdout).toMatch(/waiting for it to finish/)
      expect(run.stderr).toMatch(
        /^error: the migration lock is still held after \d+ s by pid \d+ \(a long migration, user \w+, .*nothing was changed/,
      )
      const [tables] = await withAdmin(
        url,
        (sql) =>
          sql<
            { n: number }[]
          >`select count(*)::int as n from pg_tables where schemaname = 'public'`,
      )
      expect(tables?.n).toBe(0)
      release()
      await held
      // Once the holder's transaction ends, the next run goes through, and leaves no lock behind.
      const next = await runScript('migrate', [], { DATABASE_URL: url })
      expect(next, next.stderr).toMatchObject({ code: 0, stderr: '' })
      const locks = await withAdmin(
        url,
        (sql) =>
          sql<{ n: number }[]>`select count(*)::int as n from pg_locks where locktype = 'advisory'`,
      )
      expect(locks[0]?.n).toBe(0)
    } finally {
      release()
      await holder.end({ timeout: 5 })
      await dropDatabase(base, name)
    }
  })

  it('a migration stuck behind a long read gives up, naming the table and the reader', async () => {
    const base = readEnv().TEST_DATABASE_URL as string
    const name = `app_db_locktimeout_${process.pid}_${Date.now().toString(36)}`
    await withAdmin(base, (sql) => sql.unsafe(`create database "${name}"`))
    const url = adminUrl(base, name)
    const scratch = scratchDir('lock-timeout')
    const reader = postgres(url, {
      max: 1,
      onnotice: () => {},
      connection: { application_name: 'a long report' },
    })
    const [finished, finish] = signal()
    try {
      expect(await runScript('migrate', [], { DATABASE_URL: url })).toMatchObject({ code: 0 })
      const folder = copyMigrations(scratch.dir, 'migrations')
      addMigration(folder, '20991231000000_message_note', [
        'alter table public.messages add column note text;',
      ])
      const [isReading, reading] = signal()
      const report = reader.begin(async (tx) => {
        await tx`select count(*) from public.messages`
        reading()
        await finished
      })
      await isReading
      const failing = runScript('migrate', ['--migrations-folder', folder], {
        DATABASE_URL: url,
        DB_MIGRATE_LOCK_TIMEOUT_MS: '1000',
      })
      // While the migration waits for its lock, an app query on the table queues behind it;
      // it must get through once the lock_timeout ends that wait, not when the report ends.
      const app = postgres(url, { max: 1, onnotice: () => {} })
      try {
        const deadline = Date.now() + 30_000
        for (;;) {
          const [queued] = await app<{ n: number }[]>`select count(*)::int as n from pg_locks
            where relation = 'public.messages'::regclass and not granted`
          if (queued?.n) break
          if (Date.now() > deadline) throw new Error('the migration never waited for its lock')
          await new Promise((done) => setTimeout(done, 20))
        }
        const started = performance.now()
        await app`select count(*) from public.messages`
        expect(performance.now() - started).toBeLessThan(1_000 + 750)
      } finally {
        await app.end({ timeout: 5 })
      }
      const failed = await failing
      expect(failed.code).toBe(1)
      expect(failed.stderr).toMatch(
        /^error: 20991231000000_message_note.sql: waited more than 1 s for a lock on messages, held by pid \d+ \(a long report, .*nothing was changed/,
      )
      const columns = await withAdmin(
        url,
        (sql) => sql<{ n: number }[]>`select count(*)::int as n from information_schema.columns
          where table_name = 'messages' and column_name = 'note'`,
      )
      expect(columns[0]?.n).toBe(0)
      // With retries it goes through once the report is done.
      const retried = runScript('migrate', ['--migrations-folder', folder], {
        DATABASE_URL: url,
        DB_MIGRATE_LOCK_TIMEOUT_MS: '300',
        DB_MIGRATE_LOCK_RETRIES: '10',
      })
      await new Promise((done) => setTimeout(done, 1_500))
      finish()
      await report
      const result = await retried
      expect(result, result.stderr).toMatchObject({ code: 0, stderr: '' })
      expect(result.stdout).toMatch(/retrying in 1 s \(1 of 10\)/)
      expect(result.stdout).toMatch(/20991231000000_message_note/)
    } finally {
      finish()
      await reader.end({ timeout: 5 })
      scratch.remove()
      await dropDatabase(base, name)
    }
  }, 90_000)
})
