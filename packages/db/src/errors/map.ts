// Postgres errors turned into the package's typed errors at the boundary of every query
// function: callers never see a raw driver error for an expected case.

import { fieldsOfConstraint } from './constraint-fields'
import { ConflictError, DbError, ForbiddenError, NotFoundError, ValidationError } from './errors'
import { pgErrorInfo } from './pg-error'

/** A Postgres error as the typed error a caller can act on; anything else unchanged. */
export function toDbError(error: unknown): unknown {
  if (error instanceof DbError) return error
  const pg = pgErrorInfo(error)
  if (!pg) return error
  switch (pg.code) {
    case '23505': {
      // The constraint's columns come from the schema: on a table with RLS Postgres omits
      // the key from the detail. A field is named when the constraint covers exactly one
      // column besides the acting user's own (e.g. addresses' one default per user).
      const fields = (pg.constraint && fieldsOfConstraint(pg.constraint)) || []
      const named = fields.length === 1 ? fields : fields.filter((f) => f !== 'userId')
      const field = named.length === 1 ? named[0] : undefined
      return new ConflictError(
        `already exists${field ? `: ${field}` : ''} (${pg.constraint ?? 'unique'})`,
        field,
        pg.constraint,
      )
    }
    case '23503':
      return new NotFoundError(
        `a referenced row does not exist (${pg.constraint ?? 'foreign key'})`,
      )
    // Raised by the package's own functions (no_data_found): e.g. no invitation to accept.
    case 'P0002':
      return new NotFoundError(pg.message)
    case '42501':
      return new ForbiddenError(`not allowed: ${pg.message}`)
    case '23514':
    case '23502':
    case '22P02':
    case '22001':
    case '22000':
    // A value for a GENERATED ALWAYS column (embeddings.id): the server's, never the caller's.
    case '428C9':
      return new ValidationError(`rejected by the database: ${pg.message}`)
    default:
      return error
  }
}

/** Runs `work`, rethrowing Postgres errors as typed errors. */
export async function mapErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    throw toDbError(error)
  }
}
