// `@app/db/migrate`: what `pnpm db:migrate` runs, for programmatic use (a deploy script, a test
// setup). `migrate()` takes a runner bound to one connection: the migration lock is per session.
export { type MigrateOptions, type MigrateSummary, MigrationError, migrate } from './migrate.ts'
export { type PgliteLike, pgliteRunner, postgresRunner, type SqlRunner } from './sql-runner.ts'
export { openTarget, type Target, type TargetOptions } from './target.ts'
