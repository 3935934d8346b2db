// The app's tables as a set: what the seed fills, fingerprints and empties, and what tests reset.
import { is, sql } from 'drizzle-orm'
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core'
import type { DatabaseOrTransaction } from '../db/types.ts'
import * as schema from '../schema.ts'

/** Every table of the app: the schema's tables (all in `public`). */
export function appTables(): PgTable[] {
  return (Object.values(schema) as unknown[]).filter((value): value is PgTable =>
    is(value, PgTable),
  )
}

export const qualifiedName = (table: PgTable) => {
  const { name, schema: schemaName } = getTableConfig(table)
  return `"${schemaName ?? 'public'}"."${name}"`
}

/**
 * Empties every table of the schema and auth.users. The app's tables are truncated; auth.users
 * is emptied with DELETE, which a Supabase database allows where TRUNCATE of Supabase Auth's
 * tables (auth.identities, sessions, …) it cascades to may not be.
 */
export async function emptyAppData(db: DatabaseOrTransaction): Promise<void> {
  const names = appTables().map(qualifiedName).join(', ')
  await db.execute(sql.raw(`truncate table ${names} restart identity cascade`))
  await db.execute(sql`delete from auth.users`)
}
