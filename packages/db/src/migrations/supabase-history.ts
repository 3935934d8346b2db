// The Supabase CLI's migration history (supabase_migrations.schema_migrations), kept by
// db:migrate beside drizzle's, so that `supabase migration list` / `db push` / branching and
// db:migrate agree on what is applied, whichever of them ran first.
import type { MigrationFile } from './files.ts'
import { MigrationError } from './migration-error.ts'
import type { SqlRunner } from './sql-runner.ts'

/** What the CLI (2.117) creates itself; a newer CLI adds columns, which inserts leave alone. */
export async function ensureCliHistory(tx: SqlRunner) {
  await tx.exec(`
    create schema if not exists supabase_migrations;
    create table if not exists supabase_migrations.schema_migrations (
      version text not null primary key, statements text[], name text);
  `)
}

export type CliRow = { version: string; name: string | null; statements: string[] | null }

export async function readCliHistory(tx: SqlRunner): Promise<Map<string, CliRow>> {
  const rows = await tx.query<CliRow>(
    'select version, name, statements from supabase_migrations.schema_migrations',
  )
  return new Map(rows.map((row) => [row.version, row]))
}

/** The CLI's version and name of a file: `20261122052327_prerequisites.sql`. */
export function cliVersion(file: MigrationFile): { version: string; name: string } {
  const match = /^([0-9]+)_(.*)\.sql$/.exec(file.name)
  if (!match) {
    throw new MigrationError(
      `${file.name} is not named as the Supabase CLI reads migrations (<digits>_<name>.sql)`,
    )
  }
  return { version: match[1] as string, name: match[2] as string }
}

export async function recordInCliHistory(tx: SqlRunner, file: MigrationFile) {
  const { version, name } = cliVersion(file)
  await tx.query(
    `insert into supabase_migrations.schema_migrations (version, name, statements)
     values ($1, $2, $3) on conflict (version) do nothing`,
    [version, name, file.statements],
  )
}

// The CLI splits a file at semicolons and stores each statement; comparing without whitespace,
// semicolons and drizzle's breakpoint comments tells whether it ran this very file.
const comparable = (text: string) =>
  text.replaceAll('--> statement-breakpoint', '').replace(/[\s;]+/g, '')

export function ranThisFile(file: MigrationFile, row: CliRow): boolean {
  return comparable((row.statements ?? []).join('\n')) === comparable(file.statements.join('\n'))
}

/**
 * Tables a migration creates that are not in the database: the sign of a version marked applied
 * (`supabase migration repair --status applied`) that never ran. Tables that some migration of
 * the folder drops or renames are not expected to be there.
 */
export async function missingTables(
  tx: SqlRunner,
  file: MigrationFile,
  folderText: string,
): Promise<string[]> {
  const created = [
    ...file.statements
      .join('\n')
      .matchAll(/create\s+table\s+(?:if\s+not\s+exists\s+)?((?:"?\w+"?\.)?"?\w+"?)/gi),
  ].map((m) => (m[1] as string).replaceAll('"', ''))
  const missing: string[] = []
  for (const table of created) {
    const bare = table.split('.').pop() as string
    const goneLater = new RegExp(
      `(drop\\s+table[^;]*\\b${bare}\\b|\\b${bare}"?\\s+rename\\s+to)`,
      'i',
    )
    if (goneLater.test(folderText)) continue
    const [row] = await tx.query<{ found: boolean }>(
      'select to_regclass($1) is not null as found',
      [table.includes('.') ? table : `public.${table}`],
    )
    if (!row?.found) missing.push(table)
  }
  return missing
}
