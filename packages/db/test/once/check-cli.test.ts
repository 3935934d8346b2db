// db:check as a command: passes on the committed tree, fails on a schema change without a
// migration (test/fixtures/drifted-schema.ts adds a column).

import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { seedSqlFile } from '../../src/seed/seed-sql.ts'
import { addMigration, copyMigrations, scratchDir } from '../reliability/scratch-migrations.ts'
import { runScript } from '../run-script.ts'

describe('db:check', () => {
  it('passes when the schema and the migrations agree', async () => {
    const result = await runScript('check')
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/schema and migrations agree/)
  })

  it('fails, showing the missing change, when a column has no migration', async () => {
    const result = await runScript('check', ['--schema', 'test/fixtures/drifted-schema.ts'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/ADD COLUMN "website" text/)
    expect(result.stderr).toMatch(/^error: schema and migrations disagree: run `pnpm db:generate`/m)
  })

  it('fails when sql/functions.sql changed since a migration captured it', async () => {
    const scratch = scratchDir('check-functions')
    try {
      const migrations = copyMigrations(scratch.dir, 'migrations')
      const captured = readdirSync(migrations)
        .filter((f) => f.endsWith('_functions.sql'))
        .at(-1)
      const file = join(migrations, captured as string)
      // The capture as an older functions.sql left it: its checksum no longer matches.
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(/sha256 [0-9a-f]{8}/, 'sha256 00000000'),
      )
      const result = await runScript('check', ['--migrations', migrations])
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(
        /^error: sql\/functions.sql changed since \d+_functions.sql captured it: run pnpm db:generate/m,
      )
    } finally {
      scratch.remove()
    }
  })

  it('fails when a table comes after the last capture of sql/functions.sql', async () => {
    const scratch = scratchDir('check-functions-table')
    try {
      const migrations = copyMigrations(scratch.dir, 'migrations')
      addMigration(migrations, '20991231000000_late_table', ['create table public.late (id int);'])
      const result = await runScript('check', ['--migrations', migrations])
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/20991231000000_late_table.sql creates a table after/)
    } finally {
      scratch.remove()
    }
  })

  it('fails when supabase/seed.sql is not what the seed plan gives', async () => {
    const scratch = scratchDir('check-seed-sql')
    try {
      const stale = join(scratch.dir, 'seed.sql')
      writeFileSync(stale, readFileSync(seedSqlFile, 'utf8').replace('Demo data', 'demo data'))
      const result = await runScript('check', ['--seed-sql', stale])
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(
        /seed.sql is not what the seed plan gives: run pnpm db:seed --sql/,
      )
    } finally {
      scratch.remove()
    }
  })
})
