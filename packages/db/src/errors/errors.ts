// Typed errors: what callers catch instead of driver errors for expected failures.
import type { z } from 'zod'

export class DbError extends Error {
  override name = 'DbError'
}

export class NotFoundError extends DbError {
  override name = 'NotFoundError'
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

/** The database could not be reached or is missing something this package needs. */
export class ConnectionError extends DbError {
  override name = 'ConnectionError'
}
