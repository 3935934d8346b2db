// A content hash of the seeded tables, to tell whether two databases hold the same data (the
// seed's determinism test; a benchmark checking it runs on the data it expects).

import { createHash } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { getTableConfig } from 'drizzle-orm/pg-core'
import { type Database, executeRows } from '../db/client.ts'
import { appTables } from './app-tables.ts'

/** Columns the database fills at write time (the auth hook's now()), not the seed. */
export const writtenAt: Record<string, string[]> = {
  'public.general_users': ['created_at', 'updated_at'],
}

/** The auth.users columns the seed sets; Supabase's others are its own (defaults, now()). */
const authUserColumns = [
  'id',
  'email',
  'email_confirmed_at',
  'raw_app_meta_data',
  'raw_user_meta_data',
  'created_at',
  'updated_at',
]

export type SeedFingerprint = {
  /** Per table (`schema.name`): its row count and an md5 of its rows in a stable order. */
  tables: Record<string, { rows: number; md5: string }>
  /** One hash over all tables. */
  hash: string
}

export async function seedFingerprint(db: Database): Promise<SeedFingerprint> {
  return db.transaction(async (tx) => {
    // Timestamps print in the session's time zone: fix it.
    await tx.execute(sql`set local timezone = 'UTC'`)
    const tables: SeedFingerprint['tables'] = {}
    const names = [
      ...appTables().map((t) => `public.${getTableConfig(t).name}`),
      'auth.users',
    ].sort()
    for (const qualified of names) {
      const [schemaName, table] = qualified.split('.') as [string, string]
      const columns =
        qualified === 'auth.users'
          ? authUserColumns
          : (
              await executeRows<{ name: string }>(
                tx,
                sql`select column_name as name from information_schema.columns
                    where table_schema = ${schemaName} and table_name = ${table}
                    order by ordinal_position`,
              )
            )
              .map((c) => c.name)
              .filter((c) => !writtenAt[qualified]?.includes(c))
      const list = columns.map((c) => `"${c}"`).join(', ')
      const [row] = await executeRows<{ rows: number | string; md5: string }>(
        tx,
        sql.raw(`select count(*) as rows, coalesce(md5(string_agg(r::text, '|' order by r::text)), '') as md5
                 from (select ${list} from "${schemaName}"."${table}") r`),
      )
      tables[qualified] = { rows: Number(row?.rows ?? 0), md5: row?.md5 ?? '' }
    }
    const hash = createHash('sha256')
      .update(JSON.stringify(Object.entries(tables)))
      .digest('hex')
    return { tables, hash }
  })
}
