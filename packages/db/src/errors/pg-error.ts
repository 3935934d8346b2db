// What Postgres said, from either driver's error (and through Drizzle's DrizzleQueryError,
// which keeps the driver's error as `cause`).

export type PgErrorInfo = {
  /** SQLSTATE, e.g. 23505 unique_violation, 23514 check_violation, 42501 insufficient_privilege. */
  code: string
  message: string
  constraint?: string
  detail?: string
  /** The table and column the error is about (not-null and type errors), when Postgres says. */
  table?: string
  column?: string
}

type DriverError = {
  code?: unknown
  message?: unknown
  constraint?: unknown // PGlite
  constraint_name?: unknown // postgres.js
  detail?: unknown
  table?: unknown // PGlite
  table_name?: unknown // postgres.js
  column?: unknown // PGlite
  column_name?: unknown // postgres.js
  cause?: unknown
}

const sqlstate = /^[0-9A-Z]{5}$/

/** The Postgres error inside `error`, or undefined when it is not one (a network error, a bug). */
export function pgErrorInfo(error: unknown): PgErrorInfo | undefined {
  for (let e = error as DriverError | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && sqlstate.test(e.code)) {
      const constraint = e.constraint ?? e.constraint_name
      const table = e.table ?? e.table_name
      const column = e.column ?? e.column_name
      return {
        code: e.code,
        message: String(e.message ?? ''),
        ...(typeof constraint === 'string' ? { constraint } : {}),
        ...(typeof e.detail === 'string' ? { detail: e.detail } : {}),
        ...(typeof table === 'string' ? { table } : {}),
        ...(typeof column === 'string' ? { column } : {}),
      }
    }
    e = e.cause as DriverError | undefined
  }
  return undefined
}
