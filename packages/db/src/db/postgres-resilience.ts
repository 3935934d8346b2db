import postgres from 'postgres'

// Work-arounds for postgres.js 3.4.9 bugs that a server restart or failover turns into failed
// queries and a crashed process. Found by test/server/server-restart.test.ts; remove them
// when postgres.js fixes these (open upstream as porsager/postgres#1223, #1208, #1216).
//
// 1. A connection that the server ends mid-query keeps that FATAL error and replays it onto
//    the first query it runs after reconnecting: a healthy server refused one query per such
//    connection ("terminating connection due to administrator command"). Under postgres.js a
//    FATAL error reaches a query only when the query was never sent (one in flight gets
//    CONNECTION_CLOSED instead), so such a query is run once more; a transaction only when the
//    error came before its callback started.
// 2. When the connection of a transaction dies, begin() rejects (good), but the callback's
//    failure then makes postgres.js write ROLLBACK to the dead connection: a TypeError thrown
//    from a timer, which kills the process; and a statement the callback still sends may run on
//    the reconnected connection, outside the transaction. The server has rolled the transaction
//    back already, so the callback's scope is left unsettled (nothing more is written) and its
//    later statements are refused.

type TxCallback = (tx: postgres.TransactionSql) => unknown
type UnsafeArgs = Parameters<postgres.Sql['unsafe']>

/**
 * Drizzle passes `prepare: false` for every query not built with `.prepare(name)`, which
 * overrides the client's own setting. Under postgres.js an unprepared query with parameters
 * costs two round trips (Parse/Describe, then Bind/Execute); a prepared one, once cached on
 * the connection, one. So the client's setting decides (createDb: on, off on the pooler).
 */
const preparing = (prepare: boolean, [query, params, options]: UnsafeArgs): UnsafeArgs => [
  query,
  params,
  { ...options, prepare },
]

const lostCodes = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'ECONNRESET',
  'EPIPE',
])

/** A FATAL error about the connection: under postgres.js, the query never reached the server. */
const unsent = (error: unknown) =>
  error instanceof postgres.PostgresError &&
  error.severity === 'FATAL' &&
  /^(57|08)/.test(error.code)

/** The connection is gone (the statement may or may not have run); Drizzle's error wraps it. */
function connectionLost(error: unknown): boolean {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    if (unsent(e) || lostCodes.has(String((e as { code?: unknown }).code))) return true
    e = (e as { cause?: unknown }).cause
  }
  return false
}

const never = new Promise<never>(() => {})

/**
 * What the client's unsafe() returns: lazy like postgres.js's own query (Drizzle awaits it or
 * calls .values() on it), run once more if the first attempt never reached the server. A class,
 * not closures per call: on a 51-row page those were ~3% of its time against the bare driver.
 */
class RetriedQuery {
  constructor(
    private readonly target: postgres.Sql,
    private readonly args: UnsafeArgs,
    private readonly prepare: boolean,
  ) {}

  private run() {
    return this.target.unsafe(...preparing(this.prepare, this.args))
  }

  // .then(undefined, retry), not .catch(retry): under a transaction pooler the query is
  // transaction-pooler.ts's thenable, which has no catch.
  values(): PromiseLike<unknown> {
    return this.run()
      .values()
      .then(undefined, (error: unknown) => {
        if (!unsent(error)) throw error
        return this.run().values()
      })
  }

  // biome-ignore lint/suspicious/noThenProperty: lazy like postgres.js's own query, which Drizzle awaits
  then<A, B>(ok?: (v: unknown) => A, fail?: (e: unknown) => B): PromiseLike<A | B> {
    return this.run()
      .then(undefined, (error: unknown) => {
        if (!unsent(error)) throw error
        return this.run()
      })
      .then(ok, fail)
  }
}

export function resilientClient(client: postgres.Sql, options: { prepare: boolean }): postgres.Sql {
  // Only what Drizzle calls is wrapped; postgres.js's own calls (BEGIN, COMMIT) go unchanged.
  return new Proxy(client, {
    get(target, key, receiver) {
      if (key === 'unsafe') {
        return (...args: UnsafeArgs) => new RetriedQuery(target, args, options.prepare)
      }
      if (key === 'begin') {
        return (...args: unknown[]) => {
          const fn = args.at(-1) as TxCallback
          let started = false
          const attempt = () => {
            const state = { closed: false }
            let onClosed = () => {}
            const whenClosed = new Promise<void>((resolve) => {
              onClosed = resolve
            })
            const guard =
              (callback: TxCallback): TxCallback =>
              async (tx) => {
                started = true
                let value: unknown
                try {
                  value = await callback(guardedTx(tx, state, guard, options.prepare))
                } catch (error) {
                  const gone = connectionLost(error) && (await settlesWithin(whenClosed, 2_000))
                  if (gone) return never
                  throw error
                }
                // Also when the callback caught the failure and returned: no COMMIT to a dead
                // connection.
                if (state.closed && (await settlesWithin(whenClosed, 2_000))) return never
                return value
              }
            const result = Reflect.apply(target.begin, target, [
              ...args.slice(0, -1),
              guard(fn),
            ]) as Promise<unknown>
            // While the callback runs, begin() rejects early only when the connection closed.
            result.catch(() => {
              state.closed = true
              onClosed()
            })
            return result
          }
          return attempt().catch((error: unknown) => {
            if (started || !unsent(error)) throw error
            return attempt()
          })
        }
      }
      return Reflect.get(target, key, receiver)
    },
  })
}

/**
 * The transaction's sql, refusing statements once its connection is gone: marked by begin()'s
 * early rejection, or (sooner, before the callback can catch it and go on) by a statement of
 * its own that failed with the connection.
 */
function guardedTx(
  tx: postgres.TransactionSql,
  state: { closed: boolean },
  guard: (callback: TxCallback) => TxCallback,
  prepare: boolean,
): postgres.TransactionSql {
  const refuse = () => {
    if (state.closed) {
      throw Object.assign(new Error("the transaction's connection was closed"), {
        code: 'CONNECTION_CLOSED',
      })
    }
  }
  return new Proxy(tx, {
    apply(target, self, args) {
      refuse()
      return Reflect.apply(target, self, args)
    },
    get(target, key, receiver) {
      if (key === 'unsafe') {
        return (...args: UnsafeArgs) => {
          refuse()
          // The query itself (not a wrapper): it may be a fragment inside another query.
          const query = target.unsafe(...preparing(prepare, args))
          const then = query.then.bind(query)
          Object.defineProperty(query, 'then', {
            value: (ok?: (v: unknown) => unknown, fail?: (e: unknown) => unknown) =>
              then(ok, (error: unknown) => {
                if (connectionLost(error)) state.closed = true
                if (fail) return fail(error)
                throw error
              }),
          })
          return query
        }
      }
      if (key === 'savepoint') {
        return (...args: unknown[]) => {
          refuse()
          const callback = args.at(-1) as TxCallback
          return Reflect.apply(target.savepoint, target, [...args.slice(0, -1), guard(callback)])
        }
      }
      return Reflect.get(target, key, receiver)
    },
  })
}

const settlesWithin = (promise: Promise<void>, ms: number) =>
  new Promise<boolean>((done) => {
    const timer = setTimeout(() => done(false), ms)
    void promise.then(() => {
      clearTimeout(timer)
      done(true)
    })
  })
