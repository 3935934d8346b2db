// `@app/db/errors`: the typed errors every query function raises, and the mapping that turns a
// driver's error into them, for an app's own queries (`mapErrors(() => db.select()…)`).
export * from './errors.ts'
export { mapErrors, toDbError } from './map.ts'
export { type PgErrorInfo, pgErrorInfo } from './pg-error.ts'
