// Raw SQL results on either driver, mapped as the query builder maps them. Free of any driver
// import, so query modules (and an Edge Function importing them) carry no driver with them.
import { getTableColumns, type SQL } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'
import { sqlColumnName } from '../schema-kit/access.ts'
import type { DatabaseOrTransaction } from './types.ts'

/**
 * The rows of a raw `sql` query on either driver (`db.execute` returns an array on postgres.js
 * and `{ rows }` on PGlite). Prefer the query builder; use this for what it cannot express.
 */
export async function executeRows<T extends Record<string, unknown>>(
  db: DatabaseOrTransaction,
  query: SQL,
): Promise<T[]> {
  return rowsOf<T>(await db.execute(query))
}

/** A raw result's rows, on either driver: an array on postgres.js, `{ rows }` on PGlite. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows
}

/**
 * The rows of a raw `sql` query that returns a table's own rows (`select * from …`, a function
 * `returns setof` the table), as the query builder would return them: keys as in the schema,
 * values through each column's own mapping (timestamps as Dates, on either driver).
 */
export async function executeTableRows<T extends PgTable>(
  db: DatabaseOrTransaction,
  table: T,
  query: SQL,
): Promise<T['$inferSelect'][]> {
  return tableRows(table, await executeRows(db, query))
}

/** Raw rows of `table` (its SQL column names) as the query builder returns them. */
export function tableRows<T extends PgTable>(
  table: T,
  rows: Record<string, unknown>[],
): T['$inferSelect'][] {
  const columns = Object.entries(getTableColumns(table))
  return rows.map((raw) => {
    const row: Record<string, unknown> = {}
    for (const [key, column] of columns) {
      const value = raw[sqlColumnName(table, key)]
      row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value)
    }
    return row as T['$inferSelect']
  })
}
