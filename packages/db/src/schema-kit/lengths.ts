// Length limits of text columns. A table's CHECKs and its DTOs read the same constant, so the
// two cannot disagree about what fits.
import { type SQL, sql } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'

/** Length in characters: code points, as `char_length` counts them. */
export type Length = { readonly min?: number; readonly max: number }

/** A name or display name: not blank, at most 100 characters. */
export const nameLength = { min: 1, max: 100 } as const satisfies Length

/** An http(s) URL. */
export const httpUrlLength = { max: 2048 } as const satisfies Length

/**
 * What the CHECK removes before counting: nothing, spaces (`btrim(x)`), or ASCII whitespace.
 * The DTOs trim every Unicode space first, so they are never looser than the CHECK.
 */
type Trim = 'none' | 'spaces' | 'whitespace'

const trimmed: Record<Trim, (column: AnyPgColumn) => SQL> = {
  none: (column) => sql`${column}`,
  spaces: (column) => sql`btrim(${column})`,
  whitespace: (column) => sql`btrim(${column}, E' \\t\\n\\r\\f\\v')`,
}

/** `char_length(x) <= max`, or `char_length(x) between min and max` when a minimum is set. */
export function lengthSql(column: AnyPgColumn, { min, max }: Length, trim: Trim = 'none'): SQL {
  const length = sql`char_length(${trimmed[trim](column)})`
  // Inlined, not bound: DDL takes no parameters, and these are numbers from the source.
  return min === undefined
    ? sql`${length} <= ${sql.raw(String(max))}`
    : sql`${length} between ${sql.raw(String(min))} and ${sql.raw(String(max))}`
}

/** An http(s) URL of at most `httpUrlLength.max` characters. */
export function httpUrlSql(column: AnyPgColumn): SQL {
  return sql`${column} ~ '^https?://' and ${lengthSql(column, httpUrlLength)}`
}
