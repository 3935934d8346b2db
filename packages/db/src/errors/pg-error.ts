// What Postgres said, from either driver's error (and through Drizzle's DrizzleQueryError,
// which keeps the driver's error as `cause`).

export type PgErrorInfo = {
  /** SQLSTATE, e.g. 23505 unique_violation, 23514 check_violation, 42501 insufficient_privilege. */
  code: string
  message: string
  constraint?: string
  detail?: string
}

type DriverError = {
  code?: unknown
  message?: unknown
  constraint?: unknown // PGlite
  constraint_name?: unknown // postgres.js
  detail?: unknown
  cause?: unknown
}

const sqlstate = /^[0-9A-Z]{5}$/

/** The Postgres error inside `error`, or undefined when it is not one (a network error, a bug). */
export function pgErrorInfo(error: unknown): PgErrorInfo | undefined {
  for (let e = error as DriverError | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && sqlstate.test(e.code)) {
      const constraint = e.constraint ?? e.constraint_name
      return {
        code: e.code,
        message: String(e.message ?? ''),
        ...(typeof constraint === 'string' ? { constraint } : {}),
        ...(typeof e.detail === 'string' ? { detail: e.detail } : {}),
      }
    }
    e = e.cause as DriverError | undefined
  }
  return undefined
}
