// db:migrate --env NAME: reads .env.NAME at the repo root, prints the target (password
// masked) before it acts, never prompts, refuses Supabase's transaction pooler.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { repoRoot } from '../../src/db/env.ts'
import { runScript } from '../run-script.ts'

const scratch = mkdtempSync(join(tmpdir(), 'app-db-env-test-'))
const files: string[] = []
function envFile(name: string, body: string) {
  const path = join(repoRoot, `.env.${name}`)
  writeFileSync(path, body)
  files.push(path)
  return name
}
afterAll(() => {
  for (const f of files) rmSync(f, { force: true })
  rmSync(scratch, { recursive: true, force: true })
})

describe('db:migrate --env', () => {
  it('migrates the target named in .env.<name>', async () => {
    const name = envFile(`t${process.pid}a`, `PGLITE_DATA_DIR=${join(scratch, 'staging-db')}\n`)
    const result = await runScript('migrate', ['--env', name])
    expect(result.code).toBe(0)
    expect(result.stdout.split('\n')[0]).toMatch(/^db:migrate → embedded database at .*staging-db$/)
  })

  it('refuses the transaction pooler, with the password masked, before connecting', async () => {
    const name = envFile(
      `t${process.pid}b`,
      'DATABASE_URL=postgres://postgres.ref:s3cret@pooler.example:6543/postgres\n',
    )
    const result = await runScript('migrate', ['--env', name], {}, 30_000)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error: db:migrate needs a session.*port 6543.*port 5432/)
    expect(result.stderr + result.stdout).not.toContain('s3cret')
  })

  it('names a missing or malformed environment in one line', async () => {
    const missing = await runScript('migrate', ['--env', 'nowhere'])
    expect(missing.code).toBe(1)
    expect(missing.stderr.trim()).toBe('error: .env.nowhere not found at the repo root')
    const odd = await runScript('migrate', ['--env', '../etc/passwd'])
    expect(odd.code).toBe(1)
    expect(odd.stderr).toMatch(/^error: --env must be a name/)
  })
})
