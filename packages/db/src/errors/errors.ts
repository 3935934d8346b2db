// Typed errors: what callers catch instead of driver errors for expected failures.
import type { z } from 'zod'

export class DbError extends Error {
  override name = 'DbError'
}

/**
 * The row does not exist or is not visible to the caller: both answer the same, so an answer
 * never tells whether someone else's room or organization exists. `field` names the input that
 * pointed nowhere (a foreign key), when one did.
 */
export class NotFoundError extends DbError {
  override name = 'NotFoundError'
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message)
  }
}

/** A unique (or exclusion) violation; `field` names the column when it is known. */
export class ConflictError extends DbError {
  override name = 'ConflictError'
  constructor(
    message: string,
    readonly field?: string,
    readonly constraint?: string,
  ) {
    super(message)
  }
}

/** Postgres refused the operation: insufficient privilege (42501) or a row-level security check. */
export class ForbiddenError extends DbError {
  override name = 'ForbiddenError'
}

/** Input did not pass a DTO; `issues` are zod's, each with its field path. */
export class ValidationError extends DbError {
  override name = 'ValidationError'
  constructor(
    message: string,
    readonly issues: z.core.$ZodIssue[] = [],
  ) {
    super(message)
  }
}

/** Bad configuration (a malformed DATABASE_URL, an unknown role in claims, …). */
export class ConfigError extends DbError {
  override name = 'ConfigError'
}

/** The database could not be reached: refused, reset, timed out, shutting down, full. */
export class ConnectionError extends DbError {
  override name = 'ConnectionError'
}

/** A table, function or schema of this package is missing: the database is not migrated. */
export class NotMigratedError extends DbError {
  override name = 'NotMigratedError'
}

/** A write reached a read-only database (a hot standby): send it to the primary. */
export class ReadOnlyError extends DbError {
  override name = 'ReadOnlyError'
}

/**
 * The statement ran past its time: `statement_timeout` or a cancel (57014), or a lock it waited
 * for past `lock_timeout` (55P03). Nothing was written; the work may be retried.
 */
export class TimeoutError extends DbError {
  override name = 'TimeoutError'
}
