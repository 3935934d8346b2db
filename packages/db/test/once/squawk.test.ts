// db:check's migration lint for locks and rewrites (squawk, configured by .squawk.toml). The spec
// is the table below: what db:check must print for test/fixtures/squawk, one line per finding
// (file:line: rule: squawk's message); the fixture's other statements pass (a `-- squawk-ignore`
// with its reason, an index on a table created in the same migration).
import { describe, expect, it } from 'vitest'
import { squawkBinary } from '../../scripts/squawk.ts'
import { addMigration, copyMigrations, scratchDir } from '../reliability/scratch-migrations.ts'
import { runScript } from '../run-script.ts'

const file = '20270201000001_lock_hazards.sql'
const expected = [
  `${file}:2: require-concurrent-index-creation: During normal index creation, table updates are blocked`,
  `${file}:4: changing-column-type: Changing a column type requires an \`ACCESS EXCLUSIVE\` lock`,
  `${file}:4: prefer-text-field: Changing the size of a \`varchar\` field requires`,
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
      /^error: 4 squawk finding\(s\): change the migration, or, .*`-- squawk-ignore <rule>`/,
    )
    expect(result.stderr).not.toMatch(/^\s+at /m)
  })

  it('lints a new migration after the already-applied ones, which pass as they are', async () => {
    const scratch = scratchDir('check-squawk')
    try {
      const migrations = copyMigrations(scratch.dir, 'migrations')
      addMigration(migrations, '20991231000000_type_change', [
        'ALTER TABLE "messages" ALTER COLUMN "content" SET DATA TYPE varchar(100);',
      ])
      const result = await runScript('check', ['--migrations', migrations])
      expect(result.code).toBe(1)
      expect(findingLines(result.stderr).filter((l) => !l.includes('20991231000000'))).toEqual([])
      expect(result.stderr).toContain(
        '  20991231000000_type_change.sql:1: changing-column-type: Changing a column type',
      )
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
