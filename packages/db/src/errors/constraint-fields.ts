// Which fields a unique constraint or index covers, read from the schema itself. Needed for
// ConflictError.field: on a table with RLS, Postgres leaves the key out of the error's detail.
import { is, type SQL } from 'drizzle-orm'
import { type AnyPgColumn, getTableConfig, PgColumn, PgTable } from 'drizzle-orm/pg-core'
import * as schema from '../schema'

function build(): Map<string, string[]> {
  const fields = new Map<string, string[]>()
  for (const table of Object.values(schema)) {
    if (!is(table, PgTable)) continue
    const config = getTableConfig(table)
    const keyOf = new Map<unknown, string>()
    for (const [key, column] of Object.entries(table))
      if (is(column, PgColumn)) keyOf.set(column, key)
    const keys = (columns: (AnyPgColumn | SQL | Partial<unknown>)[]) =>
      columns.filter((c) => keyOf.has(c)).map((c) => keyOf.get(c) as string)
    const inlinePk = config.columns.filter((c) => c.primary)
    if (inlinePk.length > 0) fields.set(`${config.name}_pkey`, keys(inlinePk))
    for (const pk of config.primaryKeys) fields.set(pk.getName(), keys(pk.columns))
    for (const column of config.columns) {
      if (column.isUnique && column.uniqueName) fields.set(column.uniqueName, keys([column]))
    }
    for (const unique of config.uniqueConstraints) {
      const name = unique.getName()
      if (name) fields.set(name, keys(unique.columns))
    }
    for (const index of config.indexes) {
      if (index.config.unique && index.config.name) {
        fields.set(index.config.name, keys(index.config.columns))
      }
    }
  }
  return fields
}

let cache: Map<string, string[]> | undefined

/** The TypeScript field names of a unique constraint or index, e.g. `['slug']`. */
export function fieldsOfConstraint(name: string): string[] | undefined {
  cache ??= build()
  return cache.get(name)
}
