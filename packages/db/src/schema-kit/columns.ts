// Column builders every domain shares. Names are written in camelCase and mapped to
// snake_case by the `casing: 'snake_case'` option (client and drizzle.config.ts).
import { sql } from 'drizzle-orm'
import { text, timestamp } from 'drizzle-orm/pg-core'

/** Text primary key filled by the database's `generate_cuid()` (see sql/functions.sql). */
export const cuidPk = () => text().primaryKey().default(sql`public.generate_cuid()`)

/** Millisecond precision: a JS Date round-trips exactly, which keyset pagination relies on. */
export const timestampMs = () => timestamp({ withTimezone: true, precision: 3 })

export const createdAt = () => timestampMs().notNull().defaultNow()

/**
 * `updated_at` is kept true by the `set_updated_at` trigger (sql/functions.sql) for every
 * writer, PostgREST included; `$onUpdate` only makes Drizzle's own updates send it too, as SQL
 * (`now()`), not a Date taken while building, so a statement built once keeps it per call.
 */
export const timestamps = () => ({
  createdAt: createdAt(),
  updatedAt: timestampMs()
    .notNull()
    .defaultNow()
    .$onUpdate(() => sql`now()`),
})
