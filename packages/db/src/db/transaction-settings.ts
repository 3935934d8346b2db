// Transaction-local settings (set_config(…, true)) for a piece of work: rls()'s claims and
// role, searchEmbeddings()'s planner and HNSW settings. On the server lane the settings
// statement is pipelined with the work's first statement: one round trip fewer per call.
import { sql } from 'drizzle-orm'
import type postgres from 'postgres'
import type { Transaction } from './types.ts'

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
  const entries = Object.entries(settings)
  const raw = postgresClient(tx)
  if (!raw) {
    await tx.execute(
      sql`select ${sql.join(
        entries.map(([name, value]) => sql`set_config(${name}, ${value}, true)`),
        sql`, `,
      )}`,
    )
    return work()
  }
  return pipelined(raw, settingsText(entries.length), entries.flat(), work)
}

/** `select set_config($1, $2, true), …` for n settings, made once per n (rls() calls it a lot). */
const settingsTexts: string[] = []
export function settingsText(n: number): string {
  let text = settingsTexts[n]
  if (text === undefined) {
    const calls = Array.from(
      { length: n },
      (_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`,
    )
    text = `select ${calls.join(', ')}`
    settingsTexts[n] = text
  }
  return text
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
