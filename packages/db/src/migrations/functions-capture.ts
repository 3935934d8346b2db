// functions.sql reaches supabase/migrations as a migration of its own whenever it changes, so
// the folder alone (the Supabase CLI, branching) builds the whole schema: the auth hook, the
// updated_at triggers, generate_cuid()'s grants. The captured copy carries the checksum of the
// file it was made from; db:check compares it with the file as it is now.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type MigrationFile, readMigrations, readScript, type SqlScript } from './files.ts'

const HEADER = '-- Captured from packages/db/sql/functions.sql by pnpm db:generate, sha256 '

/** The migration text that holds this functions.sql. */
export function captureText(functions: SqlScript): string {
  return (
    `${HEADER}${functions.checksum}\n` +
    '-- Do not edit: change functions.sql and run pnpm db:generate, which captures it again.\n\n' +
    functions.text
  )
}

function captured(dir: string, file: MigrationFile) {
  const first = readFileSync(join(dir, file.name), 'utf8').split('\n', 1)[0] ?? ''
  return first.startsWith(HEADER) ? first.slice(HEADER.length).trim() : undefined
}

/**
 * Why the migrations do not hold functions.sql as it is, or undefined when they do: it changed
 * since the newest capture, or a table was created after it (functions.sql gives every table
 * with `updated_at` its trigger, so the capture must come after the table).
 */
export function functionsNotCaptured(dir: string, functionsPath: string): string | undefined {
  const files = readMigrations(dir)
  const index = files.findLastIndex((file) => captured(dir, file) !== undefined)
  const last = files[index]
  if (!last) return 'no migration holds sql/functions.sql'
  if (captured(dir, last) !== readScript(functionsPath).checksum) {
    return `sql/functions.sql changed since ${last.name} captured it`
  }
  const table = files.slice(index + 1).find((f) => /create\s+table/i.test(f.statements.join('\n')))
  if (table) return `${table.name} creates a table after ${last.name} captured sql/functions.sql`
  return undefined
}
