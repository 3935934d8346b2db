// createDb(): one Drizzle database for a server URL (postgres.js) or an embedded PGlite,
// plus rls() to run a callback as a Supabase user. See README "Run queries as a user".
import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import { getTableColumns, type SQL, sql } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { ConfigError } from '../errors/errors'
import { mapErrors } from '../errors/map'
import * as schema from '../schema'
import { sqlColumnName } from '../schema-kit/access'
import { lockDataDir } from './data-dir-lock'
import { behindTransactionPooler, type DatabaseUrl, parseDatabaseUrl } from './database-url'
import { defaultDataDir, readEnv } from './env'
import { resilientClient } from './postgres-resilience'
import { SEARCH_PATH } from './search-path'
import { transactionPooled } from './transaction-pooler'
import { withLocalSettings } from './transaction-settings'
import {
  type Database,
  type DatabaseOrTransaction,
  type Db,
  type DbTarget,
  type JwtClaims,
  type RlsReadOptions,
  type RlsRole,
  rlsRoles,
  type Transaction,
} from './types'

export type {
  Database,
  DatabaseOrTransaction,
  Db,
  DbTarget,
  JwtClaims,
  ReplicaStats,
  RlsReadOptions,
  RlsRole,
  Schema,
  Transaction,
} from './types'
export { rlsRoles } from './types'

/**
 * What a `drizzle()` of one's own needs to read and write this schema (an Edge Function, a
 * script with its own driver): the tables, and the snake_case mapping of their column names.
 */
export const drizzleOptions = { schema, casing: 'snake_case' } as const

export type CreateDbOptions = {
  /** A postgres:// URL. Default: `DATABASE_URL`; when neither is set, the embedded database. */
  url?: string
  /** The embedded database's directory (`memory://` for in-memory). Default: `PGLITE_DATA_DIR` or `.data/pglite`. */
  dataDir?: string
  /** An already created PGlite (with the vector extension loaded) to use instead of `dataDir`. */
  pglite?: PGlite
  /** Pool size on the server lane. Default: `DB_POOL_MAX` or 10. */
  maxConnections?: number
  /**
   * The URL leads through a transaction pooler (PgBouncer, Supavisor in transaction mode): no
   * prepared statements, no session state, settings per transaction. Default: `?pgbouncer=` in
   * the URL, then `DB_TRANSACTION_POOLER`, then yes only on Supabase's pooler port 6543.
   */
  transactionPooler?: boolean
  /** Prepared statements. Default: on, off behind a transaction pooler (where they cannot work). */
  prepare?: boolean
  /**
   * `statement_timeout` for every statement: a startup parameter on a direct connection, set
   * per transaction behind a pooler (PgBouncer refuses it at startup). Default:
   * `DB_STATEMENT_TIMEOUT_MS` or the server's.
   */
  statementTimeoutMs?: number
  /**
   * rls() transactions idle longer than this between statements are ended by the server, so a
   * stuck caller cannot hold a (pooled) server connection. Default 60 s; 0 for none.
   */
  idleInTransactionTimeoutMs?: number
  /** Read replicas for rlsRead() and replica(). Default: `DATABASE_REPLICA_URLS`, or none. */
  replicas?: string[]
  /** How long rlsRead({ after }) waits for a replica to replay a write. Default 250 ms. */
  replicaWaitMs?: number
  /** Log every query (development). Default: `DB_LOG_QUERIES`. */
  logQueries?: boolean
  /** Give up connecting after this long. Default 10 s. */
  connectTimeoutSeconds?: number
  /**
   * The embedded data directory is locked while the handle is open (two processes writing it
   * corrupt it): another process is refused with who holds it. This names the holder in that
   * message. Default: `an app (createDb)`.
   */
  lockAs?: string
}

export function createDb(options: CreateDbOptions = {}): Db {
  const env = readEnv()
  const logger = options.logQueries ?? env.DB_LOG_QUERIES
  const url = options.pglite || options.dataDir ? undefined : (options.url ?? env.DATABASE_URL)

  if (url) {
    const replicaUrls = options.replicas ?? splitUrls(env.DATABASE_REPLICA_URLS)
    const primary = serverDatabase(url, 'DATABASE_URL', options, env)
    const replicas = replicaUrls.map((u) =>
      serverDatabase(u, 'DATABASE_REPLICA_URLS', options, env),
    )
    return withHelpers(
      primary.db,
      { kind: 'server', url: primary.url },
      async () => {
        await Promise.all([primary, ...replicas].map((r) => r.end()))
      },
      { replicas: replicas.map((r) => r.db), waitMs: options.replicaWaitMs ?? 250, options },
    )
  }

  const dataDir = options.dataDir ?? env.PGLITE_DATA_DIR ?? defaultDataDir
  // A PGlite handed in is the caller's to guard; a directory this opens is locked here.
  const lock = options.pglite
    ? undefined
    : lockDataDir(dataDir, options.lockAs ?? 'an app (createDb)')
  const client = options.pglite ?? new PGlite(dataDir, { extensions: { vector } })
  // PGlite is one session: a session-level SET holds for every later query. It does not
  // apply per-database settings (ALTER DATABASE … SET), so set Supabase's path here.
  // PGlite runs queries in order, so this one runs before any caller's query.
  void client.exec(`set search_path = ${SEARCH_PATH}`).catch(() => {})
  const db = drizzlePglite({ ...drizzleOptions, client, logger })
  return withHelpers(
    db,
    { kind: 'embedded', dataDir },
    async () => {
      try {
        await client.close()
      } finally {
        lock?.release()
      }
    },
    { replicas: [], waitMs: 0, options },
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
  options: CreateDbOptions,
  env: ReturnType<typeof readEnv>,
): { db: Database; url: DatabaseUrl; end: () => Promise<void> } {
  const parsed = parseDatabaseUrl(url, name)
  const pooled = behindTransactionPooler(parsed, {
    option: options.transactionPooler,
    env: env.DB_TRANSACTION_POOLER,
  })
  if (pooled && options.prepare) {
    throw new ConfigError(
      `${name} leads through a transaction pooler, where prepared statements cannot work: drop prepare: true, or use the direct or session-mode URL`,
    )
  }
  const prepare = options.prepare ?? !pooled
  const timeout = options.statementTimeoutMs ?? env.DB_STATEMENT_TIMEOUT_MS
  const logger = options.logQueries ?? env.DB_LOG_QUERIES
  const client = postgres(parsed.driverUrl, {
    max: options.maxConnections ?? env.DB_POOL_MAX ?? 10,
    prepare,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    idle_timeout: 30,
    onnotice: logger ? undefined : () => {},
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
    logger,
  })
  return { db, url: parsed, end: () => client.end({ timeout: 5 }) }
}

type Routing = { replicas: Database[]; waitMs: number; options: CreateDbOptions }

const lsnPattern = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i

function withHelpers(
  db: Database,
  target: DbTarget,
  close: () => Promise<void>,
  routing: Routing,
): Db {
  const idleMs = routing.options.idleInTransactionTimeoutMs ?? 60_000
  const runAs = async <T>(
    on: Database,
    claims: JwtClaims,
    fn: (tx: Transaction) => Promise<T>,
    readOnly: boolean,
  ) => {
    const role = roleOf(claims)
    const settings: Record<string, string> = {
      'request.jwt.claims': JSON.stringify({ ...claims, role }),
      role,
    }
    if (idleMs > 0) settings.idle_in_transaction_session_timeout = String(idleMs)
    // Transaction-local (set_config(…, true)), so it is safe behind a transaction pooler;
    // bound as parameters, never interpolated.
    // Typed errors here too: a refused connection or an unmigrated database fails at BEGIN or
    // the settings, before any query function's own mapping runs.
    return mapErrors(() =>
      on.transaction(
        (tx) => withLocalSettings(tx, settings, () => fn(tx)),
        readOnly ? { accessMode: 'read only' } : undefined,
      ),
    )
  }
  const stats = { reads: 0, onReplica: 0, fallbacks: 0 }
  let next = 0
  const replica = () => {
    const r = routing.replicas[next++ % Math.max(routing.replicas.length, 1)]
    return r ?? db
  }
  const rlsRead = async <T>(
    claims: JwtClaims,
    fn: (tx: Transaction) => Promise<T>,
    options: RlsReadOptions = {},
  ) => {
    stats.reads++
    const after = options.after
    if (after !== undefined && !lsnPattern.test(after)) {
      throw new ConfigError(
        `rlsRead(): after must be a writePosition() token, got ${JSON.stringify(after)}`,
      )
    }
    if (routing.replicas.length === 0) return runAs(db, claims, fn, true)
    const on = replica()
    if (after === undefined) {
      stats.onReplica++
      return runAs(on, claims, fn, true)
    }
    const deadline = performance.now() + (options.maxWaitMs ?? routing.waitMs)
    const caughtUp = await mapErrors(() => replayedPast(on, after, deadline))
    if (!caughtUp) {
      // Lagging: the primary has the write for certain.
      stats.fallbacks++
      return runAs(db, claims, fn, true)
    }
    stats.onReplica++
    return runAs(on, claims, fn, true)
  }
  return Object.assign(db, {
    target,
    rls: <T>(claims: JwtClaims, fn: (tx: Transaction) => Promise<T>) =>
      runAs(db, claims, fn, false),
    rlsRead,
    asServiceRole: <T>(fn: (tx: Transaction) => Promise<T>) =>
      runAs(db, { role: 'service_role' }, fn, false),
    replica,
    writePosition: async () => {
      // No replica, nothing to wait for: no round trip.
      if (routing.replicas.length === 0) return '0/0'
      const [row] = await executeRows<{ lsn: string }>(
        db,
        sql`select pg_current_wal_insert_lsn()::text as lsn`,
      )
      return row?.lsn ?? '0/0'
    },
    replicaStats: () => ({ ...stats }),
    close,
  })
}

/**
 * Whether the replica has replayed the primary's WAL up to `lsn`, polling until `deadline`.
 * A replica URL that leads to a primary (not in recovery) has everything.
 */
async function replayedPast(on: Database, lsn: string, deadline: number): Promise<boolean> {
  for (;;) {
    const [row] = await executeRows<{ ok: boolean }>(
      on,
      sql`select coalesce(pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn, not pg_is_in_recovery()) as ok`,
    )
    if (row?.ok) return true
    if (performance.now() >= deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The role rls() switches to. Never falls back to a more privileged role than asked for. */
export function roleOf(claims: JwtClaims): RlsRole {
  const role = claims.role ?? (claims.sub === undefined ? 'anon' : 'authenticated')
  if (!rlsRoles.includes(role)) {
    throw new ConfigError(
      `rls(): unknown role ${JSON.stringify(role)} in claims (expected ${rlsRoles.join(', ')})`,
    )
  }
  if (
    claims.sub !== undefined &&
    (typeof claims.sub !== 'string' || !uuidPattern.test(claims.sub))
  ) {
    throw new ConfigError(`rls(): claims.sub must be a uuid, got ${JSON.stringify(claims.sub)}`)
  }
  if (role === 'authenticated' && claims.sub === undefined) {
    throw new ConfigError('rls(): role "authenticated" needs a sub claim (the user id)')
  }
  return role
}

/**
 * The rows of a raw `sql` query on either driver (`db.execute` returns an array on postgres.js
 * and `{ rows }` on PGlite). Prefer the query builder; use this for what it cannot express.
 */
export async function executeRows<T extends Record<string, unknown>>(
  db: DatabaseOrTransaction,
  query: SQL,
): Promise<T[]> {
  const result: unknown = await db.execute(query)
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows
}

/**
 * The rows of a raw `sql` query that returns a table's own rows (`select * from …`, a function
 * `returns setof` the table), as the query builder would return them: keys as in the schema,
 * values through each column's own mapping (timestamps as Dates, on either driver).
 */
export async function executeTableRows<T extends PgTable>(
  db: DatabaseOrTransaction,
  table: T,
  query: SQL,
): Promise<T['$inferSelect'][]> {
  const columns = Object.entries(getTableColumns(table))
  return (await executeRows(db, query)).map((raw) => {
    const row: Record<string, unknown> = {}
    for (const [key, column] of columns) {
      const value = raw[sqlColumnName(table, key)]
      row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value)
    }
    return row as T['$inferSelect']
  })
}
