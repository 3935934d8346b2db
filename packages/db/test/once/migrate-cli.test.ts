// db:migrate as a command: what a person sees. Runs once (in the embedded project): the
// cases need no server, or a server that is not there.
import { mkdtempSync, rmSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { afterAll, describe, expect, it } from 'vitest'
import { readMigrations } from '../../src/migrations/files.ts'
import { assertVectorAvailable } from '../../src/migrations/migrate.ts'
import { pgliteRunner } from '../../src/migrations/sql-runner.ts'
import { runScript } from '../run-script.ts'

const scratch = mkdtempSync(join(tmpdir(), 'app-db-cli-test-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('db:migrate preflight and CLI', () => {
  it('names the fix when the server has no pgvector', async () => {
    const bare = new PGlite() // no vector extension loaded: none available
    try {
      await expect(assertVectorAvailable(pgliteRunner(bare))).rejects.toThrow(
        /pgvector is not installed.*db:provision.*Supabase/,
      )
    } finally {
      await bare.close()
    }
  })

  it('migrates a fresh embedded database from the command line, then has nothing to do', async () => {
    const env = { PGLITE_DATA_DIR: join(scratch, 'cli-pglite') }
    const first = await runScript('migrate', [], env)
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/embedded database at .*cli-pglite/)
    expect(first.stdout).toMatch(/supabase environment: applied/)
    expect(first.stdout).toMatch(new RegExp(`migrations: applied ${readMigrations().length}\\n`))
    expect(first.stdout).toMatch(/functions\.sql: applied/)
    const second = await runScript('migrate', [], env)
    expect(second.code).toBe(0)
    expect(second.stdout).toMatch(/migrations: up to date/)
  })

  const badUrls = [
    { url: 'mysql://u:hunter2@db/x', error: /^error: DATABASE_URL must start with postgres:\/\// },
    { url: 'postgres://u:hunter2@[oops/x', error: /^error: DATABASE_URL is not a valid URL/ },
    {
      url: 'postgres://u:hunter2@db.example:6543/x',
      error: /^error: .*port 6543.*transaction pooler/,
    },
    {
      url: 'postgres://u:hunter2@127.0.0.1:1/x',
      error: /^error: cannot reach PostgreSQL at 127\.0\.0\.1:1/,
    },
  ]
  it.each(badUrls)(
    'DATABASE_URL=$url → one line, password masked, exit 1',
    async ({ url, error }) => {
      const result = await runScript('migrate', [], { DATABASE_URL: url }, 30_000)
      expect(result.code).toBe(1)
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
      expect(result.stderr).toMatch(error)
      expect(result.stderr).not.toContain('hunter2')
      expect(result.stdout).not.toContain('hunter2')
    },
  )

  it('a server that never answers fails within ~10 s instead of hanging', async () => {
    // A loopback port that accepts connections and then says nothing, like a dead host.
    const silent = createServer(() => {})
    await new Promise<void>((ready) => silent.listen(0, '127.0.0.1', ready))
    const { port } = silent.address() as AddressInfo
    try {
      const result = await runScript('migrate', [], {
        DATABASE_URL: `postgres://u:hunter2@127.0.0.1:${port}/x`,
      })
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(
        /^error: cannot reach PostgreSQL at 127\.0\.0\.1:\d+: no answer/,
      )
      expect(result.ms).toBeLessThan(15_000)
    } finally {
      silent.close()
    }
  })
})
