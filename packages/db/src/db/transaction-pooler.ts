// Behind a transaction pooler (PgBouncer or Supavisor in transaction mode) each transaction, and
// each statement outside one, may run on another server connection, shared with other clients.
// So nothing may rely on a session: no prepared statements (createDb turns them off), no
// session-level SET, LISTEN, advisory lock or temp table (refused here, with what to do
// instead), and settings such as statement_timeout are set per transaction, because PgBouncer
// refuses them as startup parameters.
import type postgres from 'postgres'
import { ConfigError } from '../errors/errors.ts'
import { pipelined, settingsText } from './transaction-settings.ts'

type UnsafeArgs = Parameters<postgres.Sql['unsafe']>

const sessionStatement =
  /^\s*(?:set\s+(?!local\b|transaction\b|constraints\b)|reset\b|discard\b|listen\b|unlisten\b|prepare\b|deallocate\b|load\b|create\s+(?:temp|temporary)\b|declare\b[^;]*\bwith\s+hold\b)/i
const sessionLock = /\bpg_(?:try_)?advisory_lock(?:_shared)?\s*\(/i

/** Why `text` needs a session of its own, or undefined. */
export function sessionStateProblem(text: string): string | undefined {
  const statement = text.replace(/^(?:\s*--[^\n]*\n|\s*\/\*[\s\S]*?\*\/)*/, '')
  if (sessionStatement.test(statement) || sessionLock.test(statement)) {
    const head = statement.trim().split(/\s+/).slice(0, 2).join(' ')
    return (
      `"${head} …" needs a session, which a transaction pooler does not keep (the next ` +
      'statement may run on another connection, shared with other clients): use SET LOCAL / ' +
      'set_config(…, true) or pg_advisory_xact_lock inside a transaction, or connect through ' +
      'the direct or session-mode URL'
    )
  }
  return undefined
}

function refuseSessionState(text: unknown) {
  const problem = typeof text === 'string' ? sessionStateProblem(text) : undefined
  if (problem) throw new ConfigError(problem)
}

/**
 * The client as a transaction pooler needs it: session statements refused; `settings` (e.g.
 * statement_timeout) set at the start of every transaction, pipelined with its first
 * statement, and a statement outside a transaction run in one of its own so that they apply.
 */
export function transactionPooled(
  client: postgres.Sql,
  settings: Record<string, string>,
): postgres.Sql {
  const entries = Object.entries(settings)
  const text = settingsText(entries.length)
  const params = entries.flat()
  const withSettings = <T>(tx: postgres.TransactionSql, work: () => Promise<T>) =>
    entries.length === 0 ? work() : pipelined(tx, text, params, work)
  const checked = (tx: postgres.TransactionSql): postgres.TransactionSql =>
    new Proxy(tx, {
      get(target, key, receiver) {
        if (key === 'unsafe') {
          return (...args: UnsafeArgs) => {
            refuseSessionState(args[0])
            return target.unsafe(...args)
          }
        }
        return Reflect.get(target, key, receiver)
      },
    })
  return new Proxy(client, {
    get(target, key, receiver) {
      if (key === 'unsafe') {
        return (...args: UnsafeArgs) => {
          refuseSessionState(args[0])
          if (entries.length === 0) return target.unsafe(...args)
          const run = (values: boolean) =>
            target.begin((tx) =>
              withSettings(tx, async () => {
                const query = tx.unsafe(...args)
                return values ? query.values() : query
              }),
            )
          return {
            values: () => run(true),
            // biome-ignore lint/suspicious/noThenProperty: awaited like postgres.js's own query
            then: <A, B>(ok?: (v: unknown) => A, fail?: (e: unknown) => B) =>
              run(false).then(ok, fail),
          }
        }
      }
      if (key === 'begin') {
        return (...args: unknown[]) => {
          const fn = args.at(-1) as (tx: postgres.TransactionSql) => Promise<unknown>
          return Reflect.apply(target.begin, target, [
            ...args.slice(0, -1),
            (tx: postgres.TransactionSql) => withSettings(tx, () => fn(checked(tx))),
          ])
        }
      }
      if (key === 'reserve' || key === 'listen') {
        return () => {
          throw new ConfigError(
            `${String(key)}() needs a session, which a transaction pooler does not keep: use the direct or session-mode URL`,
          )
        }
      }
      return Reflect.get(target, key, receiver)
    },
  })
}
