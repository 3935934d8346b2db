// `db:migrate` as a command on a migrated database, on both lanes: what a refused or failing
// run prints, its exit code, and that it leaves the schema exactly as it was (the catalog
// fingerprint before = after). The migrator's own behaviour is in test/migrate.test.ts.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { lane, openTestDatabase, type TestDatabase } from '../lanes.ts'
import { runScript } from '../run-script.ts'
import {
  addMigration,
  copyMigrations,
  embeddedFingerprint,
  type Scratch,
  scratchDir,
  serverFingerprint,
  tamperFirstMigration,
} from './scratch-migrations.ts'

let scratch: Scratch
let t: TestDatabase | undefined
/** The migrated database as the command sees it. */
let env: Record<string, string>
let fingerprint: () => Promise<string[]>

beforeAll(async () => {
  scratch = scratchDir('migrate-cli')
  if (lane === 'server') {
    t = await openTestDatabase()
    const url = t.url as string
    env = { DATABASE_URL: url }
    fingerprint = () => serverFingerprint(url)
  } else {
    // The lane's migrated template, restored into a directory the command can open.
    const dataDir = join(scratch.dir, 'pglite')
    const pg = new PGlite(dataDir, {
      extensions: { vector },
      loadDataDir: new Blob([readFileSync(inject('migrated'))]),
    })
    await pg.close()
    env = { PGLITE_DATA_DIR: dataDir }
    fingerprint = () => embeddedFingerprint(dataDir)
  }
})
afterAll(async () => {
  await t?.close()
  scratch?.remove()
})

const migrateCli = (folder: string) =>
  runScript('migrate', ['--migrations-folder', folder], env, 60_000)

describe(`db:migrate command on a migrated database (${lane})`, () => {
  it('an applied migration edited on disk: exit 1, one line naming the file, nothing changed', async () => {
    const dir = copyMigrations(scratch.dir, 'tampered')
    const file = tamperFirstMigration(dir)
    const before = await fingerprint()
    const run = await migrateCli(dir)
    expect(run.code, run.stdout).toBe(1)
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^error: ${file.replace('.', '\\.')} was edited after`)),
    ])
    expect(await fingerprint()).toEqual(before)
  })

  it('a migration that fails: exit 1 naming file and statement, fingerprint before = after', async () => {
    const dir = copyMigrations(scratch.dir, 'failing')
    addMigration(dir, '20990101000000_fails_half_way', [
      'create table public.half_way (id int primary key)',
      `alter table public.messages add column half_way text`,
      'create index on public.messages (half_way)',
      `create policy "half way" on public.messages for select to anon using (true)`,
      'select no_such_function()',
    ])
    const before = await fingerprint()
    const run = await migrateCli(dir)
    expect(run.code, run.stdout).toBe(1)
    expect(run.stderr).toMatch(
      /^error: 20990101000000_fails_half_way\.sql, statement 5 of 5 failed: .*no_such_function/,
    )
    expect(await fingerprint()).toEqual(before)
  })

  it('the unchanged folder after both: exit 0, up to date, fingerprint unchanged', async () => {
    const before = await fingerprint()
    const run = await migrateCli(copyMigrations(scratch.dir, 'clean'))
    expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' })
    expect(run.stdout).toMatch(/migrations: up to date/)
    expect(run.stdout).toMatch(/functions\.sql: unchanged/)
    expect(await fingerprint()).toEqual(before)
  })
})
