// The few operations the migrator needs, over either driver. Kept apart from Drizzle so the
// migrator can run multi-statement SQL files (simple protocol) and hold one connection.
import type { PGlite, Transaction as PGliteTransaction } from '@electric-sql/pglite'
import type postgres from 'postgres'

export type SqlRunner = {
  /** One statement with bound parameters. */
  query<T extends object>(text: string, params?: unknown[]): Promise<T[]>
  /** A script: any number of statements, no parameters. */
  exec(script: string): Promise<void>
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>
}

export type PgliteLike = PGlite | PGliteTransaction

export function pgliteRunner(pg: PgliteLike): SqlRunner {
  return {
    async query<T extends object>(text: string, params: unknown[] = []) {
      return (await pg.query<T>(text, params)).rows
    },
    async exec(script) {
      await pg.exec(script)
    },
    transaction(fn) {
      if (!('transaction' in pg)) throw new Error('nested transactions are not supported')
      return pg.transaction((tx) => fn(pgliteRunner(tx)))
    },
  }
}

export function postgresRunner(sql: postgres.Sql | postgres.TransactionSql): SqlRunner {
  return {
    async query<T extends object>(text: string, params: unknown[] = []) {
      return (await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as T[]
    },
    async exec(script) {
      await sql.unsafe(script).simple()
    },
    async transaction(fn) {
      if (!('begin' in sql)) throw new Error('nested transactions are not supported')
      return (await sql.begin((tx) => fn(postgresRunner(tx)))) as Awaited<ReturnType<typeof fn>>
    },
  }
}
