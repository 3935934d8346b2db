// `@app/db/errors`: the typed errors every query function raises, and the mapping that turns a
// driver's error into them, for an app's own queries (`mapErrors(() => db.select()…)`).
export * from './errors'
export { mapErrors, toDbError } from './map'
export { type PgErrorInfo, pgErrorInfo } from './pg-error'
