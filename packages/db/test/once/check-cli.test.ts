// db:check as a command: passes on the committed tree, fails on a schema change without a
// migration (test/fixtures/drifted-schema.ts adds a column).
import { describe, expect, it } from 'vitest'
import { runScript } from '../run-script'

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
})
