// db:check's destructive-change guard. The spec is the table below: each fixture migration in
// test/fixtures/destructive and what the guard must report for it, as `<line> <what>` where
// <what> is the finding's headline (its text before a `:` or `(`); [] = the file passes.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { checkMigration, findDestructiveChanges } from '../../scripts/destructive-guard.ts'
import { readBaseline } from '../../scripts/migration-baseline.ts'
import { migrationsDir } from '../../src/migrations/files.ts'
import { copyMigrations, scratchDir } from '../reliability/scratch-migrations.ts'
import { runScript } from '../run-script.ts'

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/destructive')

const TYPE = "changes a column's type"
const CASCADE = 'CASCADE'
const expected: Record<string, string[]> = {
  '20270101000001_drop_table.sql': ['1 drops a table', `1 ${CASCADE}`],
  '20270101000002_drop_column.sql': ['1 drops a column'],
  // DROP POLICY's CASCADE does nothing (nothing depends on a policy): not reported.
  '20270101000003_drop_policy.sql': ['1 drops a policy'],
  '20270101000004_drop_enum_value.sql': [`2 ${TYPE}`, '4 drops a type', `7 ${TYPE}`],
  '20270101000005_narrow_type.sql': [`1 ${TYPE}`, `2 ${TYPE}`],
  '20270101000006_not_null_column.sql': ['1 adds a NOT NULL column without a default'],
  '20270101000007_set_not_null.sql': ['1 sets NOT NULL on an existing column'],
  // Each acknowledgement covers the statement right below it, not the DROP TABLE further down.
  '20270101000008_acknowledged.sql': ['9 drops a table'],
  // Constraints, indexes, defaults, DROP NOT NULL, generated or defaulted NOT NULL columns,
  // foreign keys ON DELETE CASCADE, policies FOR UPDATE/DELETE, grants, and DROP TABLE or
  // DELETE inside comments, strings and function bodies.
  '20270101000009_safe.sql': [],
  '20270101000010_reason_missing.sql': ['1 acknowledgement without a reason', '2 drops a table'],
  '20270101000011_rename_column.sql': ['1 renames a column', '2 renames a column'],
  '20270101000012_rename_table.sql': ['1 renames a table'],
  '20270101000013_rename_other.sql': [
    '1 renames a view',
    '2 renames a function',
    '3 renames an enum value',
    '4 renames a constraint',
    '5 renames an index',
    '6 moves a table to another schema',
  ],
  '20270101000014_drop_extension.sql': ['1 drops an extension', `1 ${CASCADE}`],
  '20270101000015_delete_rows.sql': [
    '1 deletes every row',
    '2 deletes existing rows',
    '3 deletes every row',
  ],
  '20270101000016_update_rows.sql': [
    '1 rewrites every row',
    '2 rewrites existing rows',
    '3 rewrites existing rows',
  ],
  '20270101000017_drop_view.sql': ['1 drops a view', '2 drops a materialized view'],
  '20270101000018_drop_sequence.sql': ['1 drops a sequence', '2 restarts a sequence'],
  '20270101000019_drop_function.sql': [
    '1 drops a function',
    '2 drops a function',
    '3 drops a trigger',
  ],
  '20270101000020_cascade.sql': [`2 ${CASCADE}`, `3 ${CASCADE}`],
  // The destructive action is not the first of the ALTER TABLE.
  '20270101000021_multi_action_alter.sql': ['1 drops a column', `2 ${TYPE}`],
  '20270101000022_opaque_code.sql': ['1 runs a DO block', '2 calls a procedure', '3 runs a query'],
  // Case, comments between tokens, line breaks, IF EXISTS ONLY, quoted, U&"…" and non-ASCII
  // names, semicolons and escaped quotes in strings, `$` inside names (not a dollar quote).
  '20270101000023_evasions.sql': [
    '2 drops a table',
    '3 drops a table',
    '4 drops a table',
    '6 drops a column',
    '7 drops a column',
    '8 drops a column',
    '9 drops a column',
    '10 drops a table',
    '11 drops a table',
    '12 drops a table',
  ],
  // An acknowledgement above a harmless statement, cut off by a blank line, after a statement
  // on its line, inside a statement, or at the end: reported, and covering nothing.
  '20270101000024_misplaced_ack.sql': [
    '1 acknowledgement of a statement that is not destructive',
    '4 acknowledgement not directly above a statement',
    '6 drops a table',
    '7 drops a table',
    '7 acknowledgement not directly above a statement',
    '8 drops a table',
    '9 acknowledgement not directly above a statement',
    '11 acknowledgement with no statement below it',
  ],
  // Every other DROP but DROP INDEX/STATISTICS, and what empties, hides or unguards rows.
  '20270101000025_other_kinds.sql': [
    '1 empties a table',
    '2 drops a schema',
    '3 drops a domain',
    '4 drops a role',
    '5 drops every object a role owns',
    '6 drops a collation',
    '7 disables row level security',
    '8 disables a trigger',
    '9 detaches a partition',
    '10 merges into a table',
  ],
}

const headline = (kind: string) => kind.split(/[:(]/)[0]?.trim()

describe('destructive-change guard', () => {
  it('has a case for every fixture', () => {
    expect(readdirSync(fixtures).sort()).toEqual(Object.keys(expected).sort())
  })

  it.each(Object.entries(expected))('%s → %j', (file, findings) => {
    const found = checkMigration(file, readFileSync(join(fixtures, file), 'utf8'))
    expect(found.map((f) => `${f.line} ${headline(f.kind)}`)).toEqual(findings)
    for (const f of found) expect(f.file).toBe(file)
  })

  it('a rename says how to do it instead: expand, backfill, switch, contract', () => {
    const [rename] = checkMigration('x.sql', 'ALTER TABLE "messages" RENAME TO "posts";')
    expect(rename?.kind).toBe(
      'renames a table: running app versions still use the old name; instead add the new one, ' +
        'backfill it, switch the readers, and drop the old one in a later migration',
    )
  })

  it('an acknowledgement covers its own statement only, in either order', () => {
    const a = 'DROP TABLE "a";'
    const b = 'DROP TABLE "b";'
    const ack = '-- allow-destructive: a is unused since v2'
    const lines = (sql: string) => checkMigration('x.sql', sql).map((f) => f.statement)
    expect(lines([ack, a, b].join('\n'))).toEqual(['DROP TABLE "b"'])
    expect(lines([a, ack, b].join('\n'))).toEqual(['DROP TABLE "a"'])
    expect(lines([ack, a, ack, b].join('\n'))).toEqual([])
    // drizzle-kit's layout: the breakpoint ends the line of the statement before.
    expect(lines(`${a}--> statement-breakpoint\n${ack}\n${b}`)).toEqual(['DROP TABLE "a"'])
  })

  it('passes the committed migrations: the already-applied ones are the baseline', () => {
    expect(findDestructiveChanges(migrationsDir, readBaseline())).toEqual([])
  })

  it('lints a baseline migration again once its content differs from the recorded one', () => {
    const scratch = scratchDir('guard-baseline')
    try {
      const dir = copyMigrations(scratch.dir, 'migrations')
      const [name] = readBaseline().keys()
      const file = join(dir, name as string)
      writeFileSync(file, `${readFileSync(file, 'utf8')}\nDROP TABLE "messages";\n`)
      const found = findDestructiveChanges(dir, readBaseline())
      expect(found.map((f) => `${f.file} ${f.kind}`)).toContain(`${name} drops a table`)
    } finally {
      scratch.remove()
    }
  })

  it('db:check fails naming each file, line and statement, then one error line', async () => {
    const result = await runScript('check', ['--migrations', 'test/fixtures/destructive'])
    expect(result.code).toBe(1)
    const lines = result.stderr.trim().split('\n')
    expect(lines[0]).toBe('db:check: destructive changes without an acknowledgement:')
    expect(lines).toContain(
      '  20270101000002_drop_column.sql:1: drops a column: ALTER TABLE "messages" DROP COLUMN "edited_at"',
    )
    expect(lines).toContain(
      '  20270101000006_not_null_column.sql:1: adds a NOT NULL column without a default: ALTER TABLE "general_users" ADD COLUMN "locale" text NOT NULL',
    )
    const guardLines = lines.slice(1, lines.indexOf('db:check: squawk (locks and rewrites):'))
    const flagged = Object.values(expected).flat().length
    expect(guardLines).toHaveLength(flagged)
    const files = Object.values(expected).filter((f) => f.length > 0).length
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^error: ${flagged} destructive change\\(s\\) or acknowledgement problem\\(s\\) in ${files} migration\\(s\\): .*allow-destructive: <reason>`,
      ),
    )
    expect(result.stderr).not.toMatch(/^\s+at /m)
    expect(guardLines.join('\n')).not.toContain('20270101000009_safe.sql')
  })
})
