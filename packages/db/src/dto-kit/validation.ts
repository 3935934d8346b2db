// Zod building blocks the domain DTOs share. Each mirrors a database rule (a CHECK or a column
// type), so input the DTO accepts is input the database accepts.
import { getTableColumns, type Table } from 'drizzle-orm'
import { z } from 'zod'
import { ValidationError } from '../errors/errors.ts'
import { httpUrlLength, type Length, nameLength } from '../schema-kit/lengths.ts'

/** Ids made by `generate_cuid()` (sql/functions.sql): a lowercase letter, then 23 of [a-z0-9]. */
export const cuidSchema = z.string().regex(/^[a-z][a-z0-9]{23}$/, 'Invalid id')

/** Ids of general and corporate users: their `auth.users` id. */
export const userIdSchema = z.uuid()

/**
 * A UTF-16 surrogate without its pair cannot be encoded as UTF-8: both drivers would silently
 * store U+FFFD instead (found by test/reliability/hostile-strings.test.ts), so such text is
 * refused rather than changed.
 */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function withLength(schema: z.ZodString, { min = 0, max }: Length) {
  return (
    schema
      // Postgres text cannot hold U+0000: the write would fail with a driver error (22021).
      .refine((value) => !value.includes('\0'), 'Text cannot contain the NUL character')
      .refine((value) => !loneSurrogate.test(value), 'Text must be valid Unicode (lone surrogate)')
      // Counted in code points, as `char_length` counts: `.max()` counts UTF-16 units, which
      // would refuse 60 emoji in a 100-character name the database accepts.
      .superRefine((value, ctx) => {
        const length = Array.from(value).length
        if (length < min) {
          ctx.addIssue({
            code: 'too_small',
            origin: 'string',
            minimum: min,
            inclusive: true,
            input: value,
          })
        }
        if (length > max) {
          ctx.addIssue({
            code: 'too_big',
            origin: 'string',
            maximum: max,
            inclusive: true,
            input: value,
          })
        }
      })
  )
}

/** Text whose length the database checks as stored (`char_length(x) <= max`). */
export const text = (length: Length) => withLength(z.string(), length)

/**
 * User-typed text, trimmed before its length is checked. JS trims every Unicode space, Postgres's
 * `btrim` only what it is told (default: ' '), so the DTO is the stricter of the two: a name of
 * one ideographic space (U+3000) passes the database's "not blank" check, not this one.
 */
export const trimmedText = (length: Length) => withLength(z.string().trim(), length)

/** A display name or a name. */
export const displayNameSchema = trimmedText(nameLength)

/**
 * `x ~ '^https?://'` within `httpUrlLength`, and a URL that parses. The regex stays: the
 * URL parser lower-cases the scheme and reads `http:example.com` as `http://example.com`,
 * both of which the database's case-sensitive pattern refuses.
 */
export const httpUrlSchema = trimmedText(httpUrlLength)
  .regex(/^https?:\/\//, 'Must start with http:// or https://')
  .pipe(z.url({ protocol: /^https?$/ }))

export type InsertOptionalKey<T extends Table> = {
  [K in keyof T['$inferInsert']]-?: object extends Pick<T['$inferInsert'], K> ? K : never
}[keyof T['$inferInsert']]

/**
 * The columns an insert may omit (nullable, or with a default), as a `.partial()` mask.
 * drizzle-zod 0.8.3 makes them optional at runtime, but its types drop the optional for a
 * column with a function refinement (drizzle-orm PR #5209): `NewAddress` would then require
 * `label`. Applying this mask puts the types back in line with what the schema accepts.
 */
export function insertOptional<T extends Table>(table: T): Record<InsertOptionalKey<T>, true> {
  const mask: Record<string, true> = {}
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const generated =
      column.generated?.type === 'always' || column.generatedIdentity?.type === 'always'
    if (!generated && (!column.notNull || column.hasDefault)) mask[key] = true
  }
  return mask as Record<InsertOptionalKey<T>, true>
}

/**
 * Parses input with a DTO; what it refuses becomes a `ValidationError` carrying zod's issues,
 * with a one-line message that names every bad field.
 */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const fields = result.error.issues
    .map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`)
    .join('; ')
  throw new ValidationError(`invalid input: ${fields}`, result.error.issues)
}

const actorSchema = z.strictObject({ userId: userIdSchema })

/**
 * Splits a query's params into the acting user (from the session, never from the payload)
 * and the rest, parsed by the input's DTO.
 */
export function actorAndInput<S extends z.ZodType>(
  schema: S,
  params: { userId: string },
): { userId: string; input: z.output<S> } {
  const { userId, ...input } = params
  return { userId: validate(actorSchema, { userId }).userId, input: validate(schema, input) }
}
