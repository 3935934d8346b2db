// db:migrate under stress, as processes on the server (test/server/concurrent-migrate.test.ts
// runs 4 at once; test/reliability/migrate-cli.test.ts the refused and failing runs):
// - 8 processes at once on an empty database: all exit 0, each migration recorded once,
//   functions.sql applied once, the schema equal to a clean run's (catalog fingerprint);
// - a run SIGKILLed mid-way, at a fixed point (a slow migration) and at random moments: the
//   killed run leaves nothing behind, and the next run completes promptly with the schema of a
//   clean run, even when the killed client's statement would still run for minutes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readMigrations } from '../../../src/migrations/files.ts'
import { fingerprintHash } from '../../reliability/fingerprint.ts'
import {
  addMigration,
  copyMigrations,
  emptyServerDatabase,
  type Scratch,
  scratchDir,
  serverFingerprint,
} from '../../reliability/scratch-migrations.ts'
import { runScript, startScript } from '../../run-script.ts'
import { withAdmin } from '../../server-admin.ts'
import { prng } from '../../vectors.ts'
import { stress } from '../settings.ts'

const PROCESSES = 8
/** The slow migration's sleep: far longer than the test may wait for the next run. */
const SLOW_SECONDS = 300

let scratch: Scratch
let clean: string[]
/** How long a clean run's migrating takes, from connected to done ("done in N ms"). */
let migratingMs: number
let empty: string[]
const databases: { drop(): Promise<unknown> }[] = []

async function freshDatabase(label: string) {
  const db = await emptyServerDatabase(label)
  databases.push(db)
  return db
}

/** Sessions of db:migrate still on the database (a killed client's backend may linger). */
const migrateSessions = (url: string) =>
  withAdmin(url, async (sql) => {
    const [row] = await sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name = '@app/db migrate'`
    return row?.n ?? 0
  })

async function until(what: string, ms: number, check: () => Promise<boolean>) {
  const deadline = performance.now() + ms
  while (performance.now() < deadline) {
    if (await check()) return
    await new Promise((wait) => setTimeout(wait, 50))
  }
  throw new Error(`${what}: not within ${ms} ms`)
}

beforeAll(async () => {
  scratch = scratchDir('migrate-stress')
  const reference = await freshDatabase('clean')
  empty = await serverFingerprint(reference.url)
  const run = await runScript('migrate', [], { DATABASE_URL: reference.url })
  expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' })
  clean = await serverFingerprint(reference.url)
  migratingMs = Number(/done in (\d+) ms/.exec(run.stdout)?.[1] ?? 300)
  console.log(
    `clean run: ${run.ms} ms, fingerprint ${fingerprintHash(clean)} (${clean.length} lines)`,
  )
})

afterAll(async () => {
  for (const db of databases) await db.drop().catch(() => {})
  scratch?.remove()
})

describe('db:migrate under stress (server)', () => {
  it(`${PROCESSES} processes at once on an empty database: all exit 0, everything applied once`, async () => {
    const db = await freshDatabase('concurrent8')
    const runs = await Promise.all(
      Array.from({ length: PROCESSES }, () => runScript('migrate', [], { DATABASE_URL: db.url })),
    )
    for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' })
    const count = readMigrations().length
    const said = (pattern: RegExp) => runs.filter((r) => pattern.test(r.stdout)).length
    expect(said(new RegExp(`migrations: applied ${count}\\n`))).toBe(1)
    expect(said(/migrations: up to date/)).toBe(PROCESSES - 1)
    expect(said(/functions\.sql: applied/)).toBe(1)
    expect(said(/functions\.sql: unchanged/)).toBe(PROCESSES - 1)
    const history = await withAdmin(db.url, async (sql) => ({
      migrations: await sql<{ n: number }[]>`
        select count(*)::int as n from drizzle.__drizzle_migrations group by created_at`,
      repeatable: await sql<{ name: string }[]>`
        select name from drizzle.__app_db_repeatable order by name`,
    }))
    expect(history.migrations).toHaveLength(count)
    expect(history.migrations.every((m) => m.n === 1)).toBe(true)
    expect(history.repeatable.map((r) => r.name)).toEqual(['functions.sql', 'supabase-env.sql'])
    expect(await serverFingerprint(db.url)).toEqual(clean)
    console.log(`${PROCESSES} at once: ${Math.max(...runs.map((r) => r.ms))} ms for the slowest`)
  })

  it('SIGKILL during a slow migration: nothing is left, and the next run does not wait for the dead client', async () => {
    const db = await freshDatabase('killed_slow')
    const folder = copyMigrations(scratch.dir, 'slow')
    addMigration(folder, '20990101000000_slow', [
      'create table public.slow_marker (id int primary key)',
      `select pg_sleep(${SLOW_SECONDS})`,
    ])
    const killed = startScript('migrate', ['--migrations-folder', folder], { DATABASE_URL: db.url })
    await until('the slow migration starts', 60_000, () =>
      withAdmin(db.url, async (sql) => {
        const rows = await sql`select 1 from pg_stat_activity
          where datname = current_database() and application_name = '@app/db migrate'
            and query like ${`%pg_sleep(${SLOW_SECONDS})%`}`
        return rows.length > 0
      }),
    )
    killed.process.kill('SIGKILL')
    expect((await killed.done).signal).toBe('SIGKILL')
    // The server notices the client is gone and rolls its transaction back.
    await until(
      'the killed run has left the server',
      20_000,
      async () => (await migrateSessions(db.url)) === 0,
    )
    expect(await serverFingerprint(db.url)).toEqual(empty)
    const next = await runScript('migrate', [], { DATABASE_URL: db.url }, 60_000)
    expect(next, next.stderr).toMatchObject({ code: 0, stderr: '' })
    expect(next.stdout).toMatch(new RegExp(`migrations: applied ${readMigrations().length}\\n`))
    expect(await serverFingerprint(db.url)).toEqual(clean)
  })

  it(`SIGKILL at ${stress.STRESS_KILLS} random moments (seed ${stress.STRESS_SEED}): the next run always ends at a clean run's schema`, async () => {
    const random = prng(stress.STRESS_SEED)
    const outcomes: string[] = []
    for (let round = 0; round < stress.STRESS_KILLS; round++) {
      const db = await freshDatabase(`killed_${round}`)
      // Once connected, anywhere in the time a clean run migrates, and a little after.
      const delay = Math.round(random() * migratingMs * 1.2)
      const killed = startScript('migrate', [], { DATABASE_URL: db.url })
      await until('db:migrate connects', 30_000, async () => /db:migrate →/.test(killed.output()))
      await new Promise((wait) => setTimeout(wait, delay))
      killed.process.kill('SIGKILL')
      const result = await killed.done
      const stage = /done in/.test(result.stdout)
        ? 'after it finished'
        : /db:migrate →/.test(result.stdout)
          ? 'while migrating'
          : 'before it connected'
      await until(
        'the killed run has left the server',
        20_000,
        async () => (await migrateSessions(db.url)) === 0,
      )
      const left = await serverFingerprint(db.url)
      // All or nothing: the killed run left either nothing or everything.
      expect([empty, clean]).toContainEqual(left)
      const next = await runScript('migrate', [], { DATABASE_URL: db.url }, 60_000)
      expect(next, next.stderr).toMatchObject({ code: 0, stderr: '' })
      expect(await serverFingerprint(db.url)).toEqual(clean)
      const nothing = left.join('\n') === empty.join('\n')
      outcomes.push(
        `${delay} ms after connecting: killed ${stage}, left ${nothing ? 'nothing' : 'everything'}`,
      )
      await db.drop()
    }
    console.log(`killed runs:\n  ${outcomes.join('\n  ')}`)
  })
})
