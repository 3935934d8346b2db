// Driver errors turned into the package's typed errors at the boundary of every query function
// (and of rls()): callers never see a raw driver error for an expected case, whichever driver
// ran the query. Exported for an app's own SQL: `mapErrors(() => db.select()…)`.
import type { z } from 'zod'
import { fieldOfColumn, fieldsOfConstraint } from './constraint-fields.ts'
import {
  ConflictError,
  ConnectionError,
  DbError,
  ForbiddenError,
  NotFoundError,
  NotMigratedError,
  ReadOnlyError,
  TimeoutError,
  ValidationError,
} from './errors.ts'
import { type PgErrorInfo, pgErrorInfo } from './pg-error.ts'

/** Node's and postgres.js's codes for a connection that failed or went away. */
const connectionCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
])

/** SQLSTATEs that mean the server cannot serve this connection now. */
const unavailable = /^(08|57P0[123]|53300)/

/** A failure to reach the database, anywhere in the error's causes (Drizzle wraps them). */
function connectionFailure(error: unknown): string | undefined {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 6; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown }
    if (typeof code === 'string' && connectionCodes.has(code)) return `${code}: ${message ?? ''}`
    // PGlite after close(): the in-process database is gone.
    if (typeof message === 'string' && /PGlite is closed/i.test(message)) return message
    const errors = (e as { errors?: unknown }).errors // Node's AggregateError (IPv4 and IPv6)
    if (Array.isArray(errors) && errors.length > 0) {
      const inner = connectionFailure(errors[0])
      if (inner) return inner
    }
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

/** The fields an error is about: from its constraint, else its column. */
function fieldsOf(pg: PgErrorInfo): string[] {
  if (pg.constraint) {
    const fields = fieldsOfConstraint(pg.constraint)
    if (fields) return fields
  }
  if (pg.table && pg.column) {
    const field = fieldOfColumn(pg.table, pg.column)
    if (field) return [field]
  }
  return []
}

/** A database rejection as zod-shaped issues, so it reads like the DTO's own. */
function issuesOf(pg: PgErrorInfo, fields: string[]): z.core.$ZodIssue[] {
  const paths = fields.length > 0 ? fields.map((f) => [f]) : [[]]
  return paths.map((path) => ({ code: 'custom', path, message: pg.message, input: undefined }))
}

/**
 * A driver error as the typed error a caller can act on, with the driver's error as its
 * `cause` (SQLSTATE and all, for logs); anything else unchanged.
 */
export function toDbError(error: unknown): unknown {
  if (error instanceof DbError) return error
  // Drizzle wraps what the driver layer threw (e.g. a statement refused behind a pooler).
  const cause = (error as { cause?: unknown } | null)?.cause
  if (cause instanceof DbError) return cause
  const typed = classify(error)
  if (typed !== error && typed instanceof DbError) typed.cause = error
  return typed
}

function classify(error: unknown): unknown {
  const pg = pgErrorInfo(error)
  if (!pg || unavailable.test(pg.code)) {
    const lost = pg ? `${pg.code}: ${pg.message}` : connectionFailure(error)
    return lost ? new ConnectionError(`cannot reach the database (${lost})`) : error
  }
  const fields = fieldsOf(pg)
  switch (pg.code) {
    case '23505': {
      // A field is named when the constraint covers exactly one column besides the acting
      // user's own (e.g. addresses' one default per user).
      const named = fields.length === 1 ? fields : fields.filter((f) => f !== 'userId')
      const field = named.length === 1 ? named[0] : undefined
      return new ConflictError(
        `already exists${field ? `: ${field}` : ''} (${pg.constraint ?? 'unique'})`,
        field,
        pg.constraint,
      )
    }
    case '23503': {
      const field = fields.length === 1 ? fields[0] : undefined
      return new NotFoundError(
        field ? `${field}: no such row` : 'a referenced row does not exist',
        field,
      )
    }
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
    case '22003':
    // A value for a GENERATED ALWAYS column (embeddings.id): the server's, never the caller's.
    case '428C9': {
      const where = fields.length > 0 ? `${fields.join(', ')}: ` : ''
      return new ValidationError(
        `rejected by the database: ${where}${pg.message}`,
        issuesOf(pg, fields),
      )
    }
    case '57014': // query_canceled: statement_timeout, or pg_cancel_backend
      return new TimeoutError(`the statement was cancelled: ${pg.message}`)
    case '55P03': // lock_not_available: lock_timeout, or NOWAIT
      return new TimeoutError(`a lock was not available in time: ${pg.message}`)
    case '25006':
      return new ReadOnlyError('the database is read-only (a standby?): send writes to the primary')
    case '42P01': // undefined_table
    case '42883': // undefined_function
    case '3F000': // invalid_schema_name
    case '42704': // undefined_object (a type)
      return new NotMigratedError(
        `the database is not migrated (${pg.message}): run \`pnpm db:migrate\` against it`,
      )
    default:
      return error
  }
}

/** How one query presents its errors in its caller's terms. */
export type ErrorContext = {
  /**
   * What to raise instead of a ForbiddenError: for a thing the caller cannot see, the answer a
   * thing that does not exist gets (no existence oracle).
   */
  forbiddenAs?: () => DbError
  /** The input a row field stands for, e.g. `{ userId: 'memberIds' }`: a NotFoundError names it. */
  fields?: Record<string, string>
}

function inContext(error: unknown, context: ErrorContext): unknown {
  if (error instanceof ForbiddenError && context.forbiddenAs) return context.forbiddenAs()
  const input = error instanceof NotFoundError && error.field && context.fields?.[error.field]
  return input ? new NotFoundError(`${input}: no such row`, input) : error
}

/** Runs `work`, rethrowing driver errors as typed errors (in the query's terms, if given). */
export async function mapErrors<T>(work: () => Promise<T>, context?: ErrorContext): Promise<T> {
  try {
    return await work()
  } catch (error) {
    const typed = toDbError(error)
    throw context ? inContext(typed, context) : typed
  }
}
