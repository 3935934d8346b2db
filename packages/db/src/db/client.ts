// createDb(): one Drizzle database for a server URL (postgres.js) or an embedded PGlite,
// plus rls() to run a callback as a Supabase user. See README "Run queries as a user".
import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import { getTableColumns, type SQL } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { ConfigError } from '../errors/errors'
import { mapErrors } from '../errors/map'
import * as schema from '../schema'
import { sqlColumnName } from '../schema-kit/access'
import { lockDataDir } from './data-dir-lock'
import { parseDatabaseUrl, TRANSACTION_POOLER_PORT } from './database-url'
import { defaultDataDir, readEnv } from './env'
import { resilientClient } from './postgres-resilience'
import { SEARCH_PATH } from './search-path'
import { withLocalSettings } from './transaction-settings'
import {
  type Database,
  type DatabaseOrTransaction,
  type Db,
  type DbTarget,
  type JwtClaims,
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
  /** Prepared statements. Default: off on Supabase's transaction pooler (port 6543), on elsewhere. */
  prepare?: boolean
  /** Server-side `statement_timeout` for every connection. Default: `DB_STATEMENT_TIMEOUT_MS` or none. */
  statementTimeoutMs?: number
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
    const parsed = parseDatabaseUrl(url)
    const timeout = options.statementTimeoutMs ?? env.DB_STATEMENT_TIMEOUT_MS
    const prepare = options.prepare ?? parsed.port !== TRANSACTION_POOLER_PORT
    const client = postgres(url, {
      max: options.maxConnections ?? env.DB_POOL_MAX ?? 10,
      prepare,
      connect_timeout: options.connectTimeoutSeconds ?? 10,
      idle_timeout: 30,
      onnotice: logger ? undefined : () => {},
      connection: {
        application_name: '@app/db',
        ...(timeout ? { statement_timeout: timeout } : {}),
      },
    })
    const db = drizzlePostgres({
      ...drizzleOptions,
      client: resilientClient(client, { prepare }),
      logger,
    })
    return withHelpers(db, { kind: 'server', url: parsed }, () => client.end({ timeout: 5 }))
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
  return withHelpers(db, { kind: 'embedded', dataDir }, async () => {
    try {
      await client.close()
    } finally {
      lock?.release()
    }
  })
}

function withHelpers(db: Database, target: DbTarget, close: () => Promise<void>): Db {
  const rls = async <T>(claims: JwtClaims, fn: (tx: Transaction) => Promise<T>) => {
    const role = roleOf(claims)
    const claimsJson = JSON.stringify({ ...claims, role })
    // Transaction-local (set_config(…, true)), so it is safe behind Supabase's transaction
    // pooler; bound as parameters, never interpolated.
    // Typed errors here too: a refused connection or an unmigrated database fails at BEGIN or
    // the settings, before any query function's own mapping runs.
    return mapErrors(() =>
      db.transaction((tx) =>
        withLocalSettings(tx, { 'request.jwt.claims': claimsJson, role }, () => fn(tx)),
      ),
    )
  }
  return Object.assign(db, {
    target,
    rls,
    asServiceRole: <T>(fn: (tx: Transaction) => Promise<T>) => rls({ role: 'service_role' }, fn),
    close,
  })
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
