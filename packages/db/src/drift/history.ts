// Which of the repo's migrations the target has applied, read as db:migrate reads it (drizzle's
// history, or the Supabase CLI's for a database it migrated) but without writing anything.
// The drift check compares the target with the repo as of its applied migrations, so pending
// ones are one line, not a line per object they would create.
import { ConfigError } from '../errors/errors.ts'
import type { MigrationFile, SqlScript } from '../migrations/files.ts'
import type { SqlRunner } from '../migrations/sql-runner.ts'
import {
  type CliRow,
  cliVersion,
  ranThisFile,
  readCliHistory,
} from '../migrations/supabase-history.ts'

export type TargetHistory = {
  applied: MigrationFile[]
  /** What the history says about the migrations and functions.sql: one line each. */
  lines: string[]
}

export async function readTargetHistory(
  tx: SqlRunner,
  files: MigrationFile[],
  functions: SqlScript,
): Promise<TargetHistory> {
  const [tables] = await tx.query<{ drizzle: boolean; cli: boolean; repeatable: boolean }>(
    // From pg_class, not to_regclass(): that one fails without usage on the schema.
    `select bool_or(n.nspname = 'drizzle' and c.relname = '__drizzle_migrations') as drizzle,
            bool_or(n.nspname = 'supabase_migrations' and c.relname = 'schema_migrations') as cli,
            bool_or(n.nspname = 'drizzle' and c.relname = '__app_db_repeatable') as repeatable
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname in ('drizzle', 'supabase_migrations') and c.relkind in ('r', 'p')`,
  )
  const ours = tables?.drizzle
    ? await readable(
        tx.query<{ hash: string; created_at: string }>(
          'select hash, created_at::text from drizzle.__drizzle_migrations',
        ),
      )
    : []
  const byVersion = tables?.cli ? await readable(readCliHistory(tx)) : new Map<string, CliRow>()
  const byCreatedAt = new Map(ours.map((row) => [row.created_at, row.hash]))
  const lines: string[] = []
  const applied: MigrationFile[] = []
  const pending: MigrationFile[] = []
  for (const file of files) {
    const hash = byCreatedAt.get(String(file.createdAt))
    const row = byVersion.get(cliVersion(file).version)
    if (hash === undefined && !row) {
      pending.push(file)
      continue
    }
    applied.push(file)
    if ((hash !== undefined && hash !== file.hash) || (row && !ranThisFile(file, row))) {
      lines.push(`migration ${file.name}: edited after it was applied (the applied one differs)`)
    }
  }
  const local = new Set(files.map((f) => String(f.createdAt)))
  const versions = new Set(files.map((f) => cliVersion(f).version))
  const unknown =
    ours.filter((row) => !local.has(row.created_at)).length +
    [...byVersion.keys()].filter((version) => !versions.has(version)).length
  if (unknown > 0) {
    lines.push(
      `migrations: ${unknown} history entr${unknown === 1 ? 'y' : 'ies'} on the live database for migrations the repo does not have`,
    )
  }
  if (applied.length === 0) {
    lines.unshift(
      `migrations: none of the repo's ${files.length} is applied on the live database (never migrated?): run pnpm db:migrate`,
    )
    return { applied, lines }
  }
  if (pending.length > 0) {
    const first = pending[0]?.name
    lines.unshift(
      `migrations: ${pending.length} pending on the live database (from ${first}): compared with the repo as of the applied ones; run pnpm db:migrate`,
    )
  } else if (tables?.repeatable) {
    const [row] = await readable(
      tx.query<{ checksum: string }>(
        'select checksum from drizzle.__app_db_repeatable where name = $1',
        [functions.name],
      ),
    )
    if (row && row.checksum !== functions.checksum) {
      lines.push(
        `${functions.name}: changed since it was applied to the live database: run pnpm db:migrate`,
      )
    }
  }
  return { applied, lines }
}

/** A read-only role made for the check must be able to read the history tables too. */
async function readable<T>(query: Promise<T>): Promise<T> {
  try {
    return await query
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error
    throw new ConfigError(
      `this role may not read the migration history (${(error as Error).message}): a read-only role for the check needs pg_read_all_data (grant pg_read_all_data to <role>), or usage on schemas drizzle and supabase_migrations and select on their tables`,
    )
  }
}
