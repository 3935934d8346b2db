// The server lane with nothing but postgres.js: createServerDb() takes every setting as an
// option and reads no environment, so it runs wherever postgres.js does (Node, Deno, an Edge
// Function). createDb() (client.ts) is the Node entry that adds the environment and PGlite.
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { ConfigError } from '../errors/errors.ts'
import * as schema from '../schema.ts'
import { behindTransactionPooler, type DatabaseUrl, parseDatabaseUrl } from './database-url.ts'
import { withHelpers } from './handle.ts'
import { resilientClient } from './postgres-resilience.ts'
import { transactionPooled } from './transaction-pooler.ts'
import { casing, type Database, type Db } from './types.ts'

export type { Db, JwtClaims } from './types.ts'

/**
 * What a `drizzle()` of one's own needs to read and write this schema (an Edge Function, a
 * script with its own driver): the tables, and the snake_case mapping of their column names.
 */
export const drizzleOptions = { schema, casing } as const

export type ServerDbOptions = {
  /** A postgres:// URL (multi-host URLs too). */
  url: string
  /** Read replicas' URLs for rlsRead() and replica(). Default none. */
  replicas?: string[]
  /**
   * The URL leads through a transaction pooler (PgBouncer, Supavisor in transaction mode): no
   * prepared statements, no session state, settings per transaction. Default: `?pgbouncer=` in
   * the URL, then yes only on Supabase's pooler port 6543.
   */
  transactionPooler?: boolean
  /** What holds when neither `transactionPooler` nor the URL says (createDb: the environment's). */
  transactionPoolerDefault?: boolean
  /** Prepared statements. Default: on, off behind a transaction pooler (where they cannot work). */
  prepare?: boolean
  /** Pool size. Default 10. */
  maxConnections?: number
  /**
   * `statement_timeout` for every statement: a startup parameter on a direct connection, set
   * per transaction behind a pooler (PgBouncer refuses it at startup). Default: the server's.
   */
  statementTimeoutMs?: number
  /**
   * rls() transactions idle longer than this between statements are ended by the server, so a
   * stuck caller cannot hold a (pooled) server connection. Default 60 s; 0 for none.
   */
  idleInTransactionTimeoutMs?: number
  /** How long rlsRead({ after }) waits for a replica to replay a write. Default 250 ms. */
  replicaWaitMs?: number
  /** Log every query. */
  logQueries?: boolean
  /** Give up connecting after this long. Default 10 s. */
  connectTimeoutSeconds?: number
  /** Names where `url` came from in errors (e.g. `DATABASE_URL`). Default `url`. */
  urlName?: string
}

export function createServerDb(options: ServerDbOptions): Db {
  const primary = serverDatabase(options.url, options.urlName ?? 'url', options)
  const replicas = (options.replicas ?? []).map((u) => serverDatabase(u, 'replica URL', options))
  return withHelpers(
    primary.db,
    { kind: 'server', url: primary.url },
    async () => {
      await Promise.all([primary, ...replicas].map((r) => r.end()))
    },
    {
      replicas: replicas.map((r) => r.db),
      waitMs: options.replicaWaitMs ?? 250,
      idleInTransactionTimeoutMs: options.idleInTransactionTimeoutMs ?? 60_000,
    },
  )
}

/** A comma-separated list of URLs; a multi-host URL's own commas are not separators. */
export function splitUrls(list: string | undefined): string[] {
  if (!list) return []
  return list
    .split(/,(?=\s*postgres(?:ql)?:\/\/)/i)
    .map((u) => u.trim())
    .filter(Boolean)
}

function serverDatabase(
  url: string,
  name: string,
  options: ServerDbOptions,
): { db: Database; url: DatabaseUrl; end: () => Promise<void> } {
  const parsed = parseDatabaseUrl(url, name)
  const pooled = behindTransactionPooler(parsed, {
    option: options.transactionPooler,
    env: options.transactionPoolerDefault,
  })
  if (pooled && options.prepare) {
    throw new ConfigError(
      `${name} leads through a transaction pooler, where prepared statements cannot work: drop prepare: true, or use the direct or session-mode URL`,
    )
  }
  const prepare = options.prepare ?? !pooled
  const timeout = options.statementTimeoutMs
  const client = postgres(parsed.driverUrl, {
    max: options.maxConnections ?? 10,
    prepare,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    idle_timeout: 30,
    onnotice: options.logQueries ? undefined : () => {},
    connection: {
      application_name: '@app/db',
      ...(timeout && !pooled ? { statement_timeout: timeout } : {}),
    },
  })
  const perTransaction: Record<string, string> =
    pooled && timeout ? { statement_timeout: String(timeout) } : {}
  const driver = pooled ? transactionPooled(client, perTransaction) : client
  const db = drizzlePostgres({
    ...drizzleOptions,
    client: resilientClient(driver, { prepare }),
    logger: options.logQueries ?? false,
  })
  return { db, url: parsed, end: () => client.end({ timeout: 5 }) }
}
