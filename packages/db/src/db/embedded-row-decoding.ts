// Embedded lane: which cached statements PGlite can decode without Drizzle's per-query parsers.
//
// Drizzle's PGlite query hands PGlite parsers for nine types (timestamp, timestamptz, interval,
// date and four arrays) so that they come back as text for its own mapping, and PGlite merges
// per-query parsers into a copy of its whole table (about 320 entries) on every query: about
// 0.13 ms, more than a short indexed query itself takes in PGlite. Every other type goes
// through PGlite's table either way. A timestamptz in Drizzle's 'date' mode ends up the same
// Date without them: PGlite's own decoder is `new Date(text)`, and Drizzle's mapping does
// `new Date(text)` or passes a Date through. So a statement whose columns are all of the kinds
// below runs without the parsers, on a PGlite whose timestamptz decoder is PGlite's own.
// Nothing here imports PGlite: the statements also run on the server lane (and in Deno).
import { Column, is } from 'drizzle-orm'
import { PgTimestamp } from 'drizzle-orm/pg-core'
import type { Database } from './types.ts'

/** Column kinds whose type PGlite decodes alike with or without Drizzle's parsers. */
const sameEitherWay = new Set([
  'PgBigInt53',
  'PgBoolean',
  'PgDoublePrecision',
  'PgEnumColumn',
  'PgInteger',
  'PgJson',
  'PgJsonb',
  'PgReal',
  'PgSmallInt',
  'PgText',
  'PgUUID',
  'PgVarchar',
  'PgVector',
])

/** The parsers Drizzle's PGlite query passes, by type oid (drizzle-orm 0.45 pglite/session.js). */
export const drizzleTextTypes = [1082, 1114, 1115, 1182, 1184, 1185, 1186, 1187, 1231] as const

/**
 * The sessions (by their options, which every transaction's session shares) of embedded
 * handles whose PGlite decodes a timestamptz with PGlite's own decoder.
 */
const defaultTimestamptz = new WeakSet<object>()

/** Drizzle keeps a session's options private; a transaction's session gets the same object. */
function optionsOf(db: Pick<Database, '_'>): object | undefined {
  return (db._.session as unknown as { options?: object }).options
}

/** createDb() calls this for a PGlite whose timestamptz decoder is PGlite's default. */
export function markDefaultTimestamptz(db: Database): void {
  const options = optionsOf(db)
  if (options) defaultTimestamptz.add(options)
}

type Fields = { path: string[]; field: unknown }[] | undefined

/** Whether a statement's rows decode the same without Drizzle's parsers (decided once). */
export function decodesWithoutParsers(fields: Fields): boolean {
  if (!fields || fields.length === 0) return false
  return fields.every(({ field }) => {
    if (!is(field, Column)) return false
    if (is(field, PgTimestamp)) return field.withTimezone
    return sameEitherWay.has(field.columnType)
  })
}

/** What a marked handle's cached statement runs with: Drizzle's config without its parsers. */
const arrayRows = Object.freeze({ rowMode: 'array' })

/**
 * Drops the parsers from a prepared query of a marked handle (only createDb()'s PGlite handles
 * are marked, so the query is a PglitePreparedQuery). Drizzle marks `queryConfig` internal:
 * test/queries/embedded-row-decoding.test.ts pins what it holds.
 */
export function withoutParsers(db: Pick<Database, '_'>, prepared: object): void {
  const options = optionsOf(db)
  if (options && defaultTimestamptz.has(options)) {
    ;(prepared as { queryConfig: object }).queryConfig = arrayRows
  }
}
