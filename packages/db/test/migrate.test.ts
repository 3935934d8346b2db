// db:migrate on both lanes: idempotence, tampering, atomic failure, a new migration.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrationsDir } from '../src/migrations/files.ts'
import { migrate } from '../src/migrations/migrate.ts'
import { lane, openTestDatabase, type TestDatabase } from './lanes.ts'

let t: TestDatabase
let scratch: string
beforeAll(async () => {
  t = await openTestDatabase()
  scratch = mkdtempSync(join(tmpdir(), 'app-db-migrate-test-'))
})
afterAll(async () => {
  await t?.close()
  rmSync(scratch, { recursive: true, force: true })
})

/** A copy of the real migrations folder, to edit without touching the repo. */
function copyMigrations(name: string) {
  const dir = join(scratch, name)
  cpSync(migrationsDir, dir, { recursive: true })
  return dir
}

/** Adds a migration file and its journal entry, as `drizzle-kit generate --custom` would. */
function addMigration(dir: string, tag: string, statements: string[]) {
  writeFileSync(join(dir, `${tag}.sql`), statements.join('\n--> statement-breakpoint\n'))
  const journalPath = join(dir, 'meta/_journal.json')
  const journal = JSON.parse(readFileSync(journalPath, 'utf8'))
  const last = journal.entries.at(-1)
  journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1000, tag })
  writeFileSync(journalPath, JSON.stringify(journal, null, 2))
}

const historyCount = async () =>
  Number(
    (
      await t.sql.query<{ n: string }>(
        'select count(*)::text as n from drizzle.__drizzle_migrations',
      )
    )[0]?.n,
  )

describe(`db:migrate (${lane})`, () => {
  it('a second run on a migrated database applies nothing and says so', async () => {
    const summary = await migrate(t.sql)
    expect(summary.applied).toEqual([])
    expect(summary.alreadyApplied).toBeGreaterThanOrEqual(2)
    expect(summary.environment).toBe('unchanged')
    expect(summary.functions).toBe('unchanged')
  })

  it('refuses to run when an applied migration was edited, naming the file', async () => {
    const dir = copyMigrations('tampered')
    const [first] = JSON.parse(readFileSync(join(dir, 'meta/_journal.json'), 'utf8')).entries
    const file = join(dir, `${first.tag}.sql`)
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n-- a harmless-looking edit\n`)
    await expect(migrate(t.sql, { migrationsFolder: dir })).rejects.toThrow(
      new RegExp(`${first.tag}\\.sql was edited after it was applied`),
    )
  })

  it('a migration that fails half-way leaves nothing behind and names file and statement', async () => {
    const dir = copyMigrations('failing')
    addMigration(dir, '20990101000000_half_way', [
      'create table public.half_way (id int primary key)',
      'insert into public.half_way values (1)',
      'select no_such_function()',
    ])
    const before = await historyCount()
    await expect(migrate(t.sql, { migrationsFolder: dir })).rejects.toThrow(
      /20990101000000_half_way\.sql, statement 3 of 3 failed: .*no_such_function/,
    )
    const [table] = await t.sql.query<{ r: string | null }>(
      `select to_regclass('public.half_way')::text as r`,
    )
    expect(table?.r).toBeNull()
    expect(await historyCount()).toBe(before)
  })

  it('applies a new migration once, and re-applies functions.sql after it', async () => {
    const dir = copyMigrations('added')
    addMigration(dir, '20990101000001_added', [
      'create table public.added_later (id int primary key, updated_at timestamptz not null default now())',
      'alter table public.added_later enable row level security',
    ])
    const summary = await migrate(t.sql, { migrationsFolder: dir })
    expect(summary.applied.map((m) => m.name)).toEqual(['20990101000001_added.sql'])
    expect(summary.functions).toBe('applied')
    // functions.sql gave the new table its updated_at trigger.
    const [trigger] = await t.sql.query<{ n: string }>(
      `select count(*)::text as n from pg_trigger
        where tgrelid = 'public.added_later'::regclass and tgname = 'set_updated_at'`,
    )
    expect(trigger?.n).toBe('1')
    expect((await migrate(t.sql, { migrationsFolder: dir })).applied).toEqual([])
  })
})
