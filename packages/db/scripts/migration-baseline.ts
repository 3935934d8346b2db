// The migrations that were committed, and applied, before db:check had its per-statement
// destructive-change guard and squawk: they cannot be changed any more (db:migrate refuses an
// applied file whose checksum differs), so their findings could only be silenced by editing
// them. db:check lints every migration but these. A file is skipped only while its sha256 is
// the recorded one: an edited baseline file is linted like a new one. New migrations never go
// in here; they pass the lints, with an acknowledgement or a `-- squawk-ignore` where intended.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sha256 } from '../src/migrations/files.ts'

const baselineFile = resolve(dirname(fileURLToPath(import.meta.url)), '../migrations-baseline.txt')

/** File name → sha256 of its content when it was recorded. */
export type MigrationBaseline = Map<string, string>

/** `<sha256> <file name>` lines; `#` starts a comment. */
export function readBaseline(path = baselineFile): MigrationBaseline {
  const baseline: MigrationBaseline = new Map()
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, index) => {
      const line = raw.replace(/#.*$/, '').trim()
      if (line === '') return
      const entry = /^([0-9a-f]{64}) +([0-9]+_\S+\.sql)$/.exec(line)
      if (!entry) throw new Error(`${path}:${index + 1}: expected "<sha256> <migration file>"`)
      baseline.set(entry[2] as string, entry[1] as string)
    })
  return baseline
}

export function isBaselined(baseline: MigrationBaseline, name: string, text: string): boolean {
  return baseline.get(name) === sha256(text)
}

/** Supabase CLI migration names; `meta/` and other files are not migrations. */
const MIGRATION_FILE = /^[0-9]+_.*\.sql$/

export type LintedMigration = { name: string; path: string; text: string }

/** The migrations of `dir` that the lints check, in order: every one but the baseline's. */
export function migrationsToLint(dir: string, baseline: MigrationBaseline): LintedMigration[] {
  return readdirSync(dir)
    .filter((name) => MIGRATION_FILE.test(name))
    .sort()
    .map((name) => {
      const path = join(dir, name)
      return { name, path, text: readFileSync(path, 'utf8') }
    })
    .filter((m) => !isBaselined(baseline, m.name, m.text))
}
