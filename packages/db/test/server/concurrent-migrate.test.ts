// Several db:migrate processes on one empty server database (the server lane only: an
// embedded database belongs to one process).
import { describe, expect, it } from 'vitest'
import { readEnv } from '../../src/db/env'
import { readMigrations } from '../../src/migrations/files'
import { runScript } from '../run-script'
import { adminUrl, dropDatabase, withAdmin } from '../server-admin'

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
})
