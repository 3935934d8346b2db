// db:check's migration lint for locks and rewrites (squawk, configured by .squawk.toml). The spec
// is the table below: what db:check must print for test/fixtures/squawk, one line per finding
// (file:line: rule: squawk's message); the fixture's other statements pass (a `-- squawk-ignore`
// with its reason, an index on a table created in the same migration).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { squawkBinary } from '../../scripts/squawk.ts'
import { addMigration, copyMigrations, scratchDir } from '../reliability/scratch-migrations.ts'
import { runScript } from '../run-script.ts'

const file = '20270201000001_lock_hazards.sql'
const expected = [
  `${file}:2: require-concurrent-index-creation: During normal index creation, table updates are blocked`,
  `${file}:4: constraint-missing-not-valid: By default new constraints require a table scan`,
  `${file}:5: adding-field-with-default: Adding a generated column requires a table rewrite`,
]

const findingLines = (stderr: string) => stderr.split('\n').filter((l) => /^ {2}\S+:\d+: /.test(l))

describe('db:check: squawk', () => {
  it('is installed from the lockfile for this platform', () => {
    expect(squawkBinary()).toMatch(/@squawk-cli\/.+\/bin\/squawk(\.exe)?$/)
  })

  it('fails on locks and rewrites of existing tables, one line per finding', async () => {
    const result = await runScript('check', ['--migrations', 'test/fixtures/squawk'])
    expect(result.code).toBe(1)
    const lines = findingLines(result.stderr)
    // Each line as long as its expected start: squawk's messages go on after it.
    const starts = lines.map((line, i) => line.slice(0, 2 + (expected[i]?.length ?? line.length)))
    expect(starts).toEqual(expected.map((start) => `  ${start}`))
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(
      /^error: 3 squawk finding\(s\): change the migration, or, .*`-- squawk-ignore <rule>`/,
    )
    expect(result.stderr).not.toMatch(/^\s+at /m)
  })

  it('lints a new migration after the already-applied ones, which pass as they are', async () => {
    const scratch = scratchDir('check-squawk')
    try {
      const migrations = copyMigrations(scratch.dir, 'migrations')
      addMigration(migrations, '20991231000000_content_index', [
        'CREATE INDEX "messages_content_index" ON "messages" USING btree ("content");',
      ])
      const result = await runScript('check', ['--migrations', migrations])
      expect(result.code).toBe(1)
      expect(findingLines(result.stderr).filter((l) => !l.includes('20991231000000'))).toEqual([])
      expect(result.stderr).toContain(
        '  20991231000000_content_index.sql:1: require-concurrent-index-creation: During normal index creation',
      )
    } finally {
      scratch.remove()
    }
  })

  it("a type change needs one acknowledgement, the guard's (its message names the rewrite)", async () => {
    const scratch = scratchDir('check-squawk-type')
    try {
      const migrations = copyMigrations(scratch.dir, 'migrations')
      const change = 'ALTER TABLE "messages" ALTER COLUMN "content" SET DATA TYPE varchar(4000);'
      addMigration(migrations, '20991231000000_type_change', [change])
      const refused = await runScript('check', ['--migrations', migrations])
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain(
        "20991231000000_type_change.sql:1: changes a column's type (it may narrow it, and it rewrites the table under ACCESS EXCLUSIVE)",
      )
      expect(refused.stderr).not.toMatch(/squawk \(locks and rewrites\)/)
      writeFileSync(
        join(migrations, '20991231000000_type_change.sql'),
        `-- allow-destructive: messages are at most 4000 characters already (CHECK); small table\n${change}\n`,
      )
      const accepted = await runScript('check', ['--migrations', migrations])
      expect(accepted.stdout).toMatch(/no unacknowledged destructive changes/)
      expect(accepted.stdout).toMatch(/squawk finds no lock or rewrite hazard/)
    } finally {
      scratch.remove()
    }
  })

  it('with CI=true, a missing squawk fails db:check instead of skipping the lint', async () => {
    const result = await runScript('check', ['--migrations', 'test/fixtures/squawk'], {
      CI: 'true',
      SQUAWK_PATH: '/nonexistent/squawk',
    })
    expect(result.code).toBe(1)
    expect(result.stderr.trim()).toBe(
      'error: no squawk at SQUAWK_PATH=/nonexistent/squawk: the migration lint cannot run in CI; fix SQUAWK_PATH',
    )
  })

  it('elsewhere, a missing squawk is a warning and the other checks go on', async () => {
    const result = await runScript('check', ['--migrations', 'test/fixtures/squawk'], {
      CI: '',
      SQUAWK_PATH: '/nonexistent/squawk',
    })
    expect(result.stderr).toContain(
      'db:check: warning: no squawk at SQUAWK_PATH=/nonexistent/squawk: migration lint skipped',
    )
    // The next check (the functions.sql capture) runs, and fails: the fixture has no journal.
    expect(result.stderr).toMatch(/^error: no migrations: .*meta\/_journal.json is missing/m)
  })
})
