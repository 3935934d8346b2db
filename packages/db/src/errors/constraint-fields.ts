// Which fields a constraint covers, and which field a column is, read from the schema itself:
// the typed errors name the field a caller sent, never a constraint or a column. Needed because
// on a table with RLS Postgres leaves the key out of a unique violation's detail.
import { Column, getTableName, is, SQL } from 'drizzle-orm'
import { type AnyPgColumn, getTableConfig, PgColumn, PgTable } from 'drizzle-orm/pg-core'
import * as schema from '../schema.ts'
import { sqlColumnName } from '../schema-kit/access.ts'

type Lookup = {
  /** constraint name → the TypeScript keys of its columns (unique, primary, check, foreign). */
  constraints: Map<string, string[]>
  /** `table.column` (SQL names) → the TypeScript key. */
  columns: Map<string, string>
}

/** The names of the columns a check's expression mentions, however deep in its SQL. */
function columnNamesIn(value: unknown, found: Set<string>, depth = 0): Set<string> {
  if (depth > 8) return found
  // In a table's extra config the columns are ExtraConfigColumns: Columns with the same name.
  if (is(value, Column)) found.add(value.name)
  else if (is(value, SQL)) {
    for (const chunk of value.queryChunks) columnNamesIn(chunk, found, depth + 1)
  }
  return found
}

function build(): Lookup {
  const constraints = new Map<string, string[]>()
  const columns = new Map<string, string>()
  for (const table of Object.values(schema)) {
    if (!is(table, PgTable)) continue
    const config = getTableConfig(table)
    const keyOf = new Map<unknown, string>()
    const keyOfName = new Map<string, string>()
    for (const [key, column] of Object.entries(table)) {
      if (!is(column, PgColumn)) continue
      keyOf.set(column, key)
      keyOfName.set(column.name, key)
      columns.set(`${config.name}.${sqlColumnName(table, key)}`, key)
    }
    const sqlNames = (list: AnyPgColumn[]) =>
      list.map((c) => sqlColumnName(c.table, keyOfName.get(c.name) ?? c.name)).join('_')
    const keys = (list: Iterable<AnyPgColumn | SQL | Partial<unknown>>) =>
      [...list].filter((c) => keyOf.has(c)).map((c) => keyOf.get(c) as string)
    const inlinePk = config.columns.filter((c) => c.primary)
    if (inlinePk.length > 0) constraints.set(`${config.name}_pkey`, keys(inlinePk))
    for (const pk of config.primaryKeys) constraints.set(pk.getName(), keys(pk.columns))
    for (const column of config.columns) {
      if (column.isUnique && column.uniqueName) constraints.set(column.uniqueName, keys([column]))
    }
    for (const unique of config.uniqueConstraints) {
      const name = unique.getName()
      if (name) constraints.set(name, keys(unique.columns))
    }
    for (const index of config.indexes) {
      if (index.config.unique && index.config.name) {
        constraints.set(index.config.name, keys(index.config.columns))
      }
    }
    for (const check of config.checks) {
      const names = [...columnNamesIn(check.value, new Set())]
      constraints.set(
        check.name,
        names.flatMap((n) => keyOfName.get(n) ?? []),
      )
    }
    // Named as drizzle-kit names them in the migrations (SQL column names, not keys).
    for (const fk of config.foreignKeys) {
      const { columns: own, foreignTable, foreignColumns } = fk.reference()
      const name = `${config.name}_${sqlNames(own)}_${getTableName(foreignTable)}_${sqlNames(foreignColumns)}_fk`
      constraints.set(name, keys(own))
    }
  }
  return { constraints, columns }
}

let cache: Lookup | undefined
const lookup = () => {
  cache ??= build()
  return cache
}

/** The TypeScript field names of a constraint, e.g. `['slug']`. */
export function fieldsOfConstraint(name: string): string[] | undefined {
  return lookup().constraints.get(name)
}

/** The TypeScript field name of a table's column, e.g. `display_name` of general_users → `displayName`. */
export function fieldOfColumn(table: string, column: string): string | undefined {
  return lookup().columns.get(`${table}.${column}`)
}
