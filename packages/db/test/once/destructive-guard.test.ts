// db:check's destructive-change guard. The spec is the table below: each fixture migration in
// test/fixtures/destructive and what the guard must report for it ([] = it passes).
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { checkMigration, findDestructiveChanges } from '../../scripts/destructive-guard.ts'
import { migrationsDir } from '../../src/migrations/files.ts'
import { runScript } from '../run-script.ts'

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/destructive')

const TYPE_CHANGE = "changes a column's type (it may narrow it)"
const expected: Record<string, string[]> = {
  '20270101000001_drop_table.sql': ['drops a table'],
  '20270101000002_drop_column.sql': ['drops a column'],
  '20270101000003_drop_policy.sql': ['drops a policy'],
  '20270101000004_drop_enum_value.sql': [
    TYPE_CHANGE,
    'drops a type (how an enum value is removed)',
    TYPE_CHANGE,
  ],
  '20270101000005_narrow_type.sql': [TYPE_CHANGE, TYPE_CHANGE],
  '20270101000006_not_null_column.sql': ['adds a NOT NULL column without a default'],
  '20270101000007_set_not_null.sql': ['sets NOT NULL on an existing column'],
  // `-- allow-destructive: <reason>` lets the whole file through.
  '20270101000008_acknowledged.sql': [],
  // Constraints, indexes, defaults, DROP NOT NULL, generated or defaulted NOT NULL columns, and
  // DROP TABLE inside comments, strings and function bodies.
  '20270101000009_safe.sql': [],
  // An acknowledgement without a reason is none.
  '20270101000010_reason_missing.sql': ['drops a table'],
}

describe('destructive-change guard', () => {
  it('has a case for every fixture', () => {
    expect(readdirSync(fixtures).sort()).toEqual(Object.keys(expected).sort())
  })

  it.each(Object.entries(expected))('%s → %j', (file, kinds) => {
    const found = checkMigration(file, readFileSync(join(fixtures, file), 'utf8'))
    expect(found.map((f) => f.kind)).toEqual(kinds)
    for (const f of found) expect(f.file).toBe(file)
  })

  it('passes the committed migrations (DROP CONSTRAINT, DROP INDEX are not destructive)', () => {
    expect(findDestructiveChanges(migrationsDir)).toEqual([])
  })

  it('db:check fails naming each file and statement on a line, then one error line', async () => {
    const result = await runScript('check', ['--migrations', 'test/fixtures/destructive'])
    expect(result.code).toBe(1)
    const lines = result.stderr.trim().split('\n')
    expect(lines[0]).toBe('db:check: destructive changes without an acknowledgement:')
    expect(lines).toContain(
      '  20270101000002_drop_column.sql: drops a column: ALTER TABLE "messages" DROP COLUMN "edited_at"',
    )
    expect(lines).toContain(
      '  20270101000006_not_null_column.sql: adds a NOT NULL column without a default: ALTER TABLE "general_users" ADD COLUMN "locale" text NOT NULL',
    )
    const flagged = Object.values(expected).flat().length
    expect(lines).toHaveLength(1 + flagged + 1)
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^error: ${flagged} destructive change\\(s\\) in 8 migration\\(s\\): .*allow-destructive: <reason>`,
      ),
    )
    expect(result.stderr).not.toMatch(/^\s+at /m)
    for (const ok of ['20270101000008_acknowledged.sql', '20270101000009_safe.sql']) {
      expect(result.stderr).not.toContain(ok)
    }
  })
})
