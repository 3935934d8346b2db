// Transaction-local settings (set_config(…, true)) for a piece of work: rls()'s claims and
// role, searchEmbeddings()'s planner and HNSW settings. On the server lane the settings
// statement is pipelined with the work's first statement: one round trip fewer per call.
import { sql } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import type postgres from 'postgres'
import type { Transaction } from './types.ts'

/** Renders the one statement as $n text for the raw client; it has no table or casing. */
const dialect = new PgDialect()

/**
 * Runs `work` with `settings` set for the rest of `tx`. Names and values are bound as
 * parameters, never spliced into SQL.
 *
 * Server lane: the statement is sent at once on the transaction's own postgres.js client —
 * not as a Drizzle query, which starts only when awaited, so the work's first query would
 * reach the server first (an earlier rls() did exactly that and ran it as the owner; the
 * access matrix caught it). Postgres runs a connection's statements in order, so the work's
 * statements see the settings, or, if setting them failed, do not run at all: the failure
 * aborts the transaction. Both settle before this returns, so nothing of the work runs
 * after the transaction ends.
 */
export async function withLocalSettings<T>(
  tx: Transaction,
  settings: Record<string, string>,
  work: () => Promise<T>,
): Promise<T> {
  const statement = sql`select ${sql.join(
    Object.entries(settings).map(([name, value]) => sql`set_config(${name}, ${value}, true)`),
    sql`, `,
  )}`
  const raw = postgresClient(tx)
  if (!raw) {
    await tx.execute(statement)
    return work()
  }
  const { sql: text, params } = dialect.sqlToQuery(statement)
  return pipelined(raw, text, params, work)
}

/**
 * Sends `text` on the transaction's own connection at once, then runs `work`: the server runs
 * them in that order, and `work` runs only in a transaction where `text` succeeded. Both settle
 * before this returns.
 */
export async function pipelined<T>(
  raw: postgres.TransactionSql,
  text: string,
  params: unknown[],
  work: () => Promise<T>,
): Promise<T> {
  const setup = raw.unsafe(text, params as postgres.ParameterOrJSON<never>[])
  setup.execute()
  const [set, result] = await Promise.allSettled([setup, (async () => work())()])
  if (set.status === 'rejected') throw set.reason
  if (result.status === 'rejected') throw result.reason
  return result.value
}

/**
 * The postgres.js client of a Drizzle transaction on the server lane (Drizzle keeps it in its
 * session). Undefined on PGlite, or if Drizzle ever moves it: the settings are then awaited
 * before the work starts, which is slower but just as safe.
 */
function postgresClient(tx: Transaction): postgres.TransactionSql | undefined {
  const client = (tx as unknown as { session?: { client?: { unsafe?: unknown } } }).session?.client
  return typeof client?.unsafe === 'function' ? (client as postgres.TransactionSql) : undefined
}
