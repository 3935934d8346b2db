// createDb(): the Node entry. One Drizzle database for a server URL (postgres.js, through
// createServerDb) or the embedded PGlite, with settings from the options, then the environment
// (env.ts). Deno and Edge Functions use createServerDb (@app/db/server), which needs neither
// PGlite nor dotenv. See README "Run queries as a user".
import { PGlite, types } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { lockDataDir } from './data-dir-lock.ts'
import { markDefaultTimestamptz } from './embedded-row-decoding.ts'
import { defaultDataDir, readEnv } from './env.ts'
import { withHelpers } from './handle.ts'
import { SEARCH_PATH } from './search-path.ts'
import { createServerDb, drizzleOptions, type ServerDbOptions, splitUrls } from './server.ts'
import type { Db } from './types.ts'

export { roleOf } from './handle.ts'
export { executeRows, executeTableRows } from './rows.ts'
export { createServerDb, drizzleOptions, type ServerDbOptions, splitUrls } from './server.ts'
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
} from './types.ts'
export { rlsRoles } from './types.ts'

/**
 * createServerDb's options (server lane), each defaulting to the environment where one is
 * named: `DATABASE_URL`, `DATABASE_REPLICA_URLS`, `DB_TRANSACTION_POOLER` (after the URL's
 * `?pgbouncer=`), `DB_POOL_MAX`, `DB_STATEMENT_TIMEOUT_MS`, `DB_LOG_QUERIES`; plus the embedded
 * lane's.
 */
export type CreateDbOptions = Partial<
  Omit<ServerDbOptions, 'url' | 'urlName' | 'transactionPoolerDefault'>
> & {
  /** A postgres:// URL. Default: `DATABASE_URL`; when neither is set, the embedded database. */
  url?: string
  /** The embedded database's directory (`memory://` for in-memory). Default: `PGLITE_DATA_DIR` or `.data/pglite`. */
  dataDir?: string
  /** An already created PGlite (with the vector extension loaded) to use instead of `dataDir`. */
  pglite?: PGlite
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
    return createServerDb({
      ...options,
      url,
      urlName: 'DATABASE_URL',
      replicas: options.replicas ?? splitUrls(env.DATABASE_REPLICA_URLS),
      transactionPoolerDefault: env.DB_TRANSACTION_POOLER,
      maxConnections: options.maxConnections ?? env.DB_POOL_MAX,
      statementTimeoutMs: options.statementTimeoutMs ?? env.DB_STATEMENT_TIMEOUT_MS,
      logQueries: logger,
    })
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
  // A PGlite handed in may decode timestamptz its own way: then Drizzle's parsers stay on.
  if (client.parsers[types.TIMESTAMPTZ] === types.parsers[types.TIMESTAMPTZ]) {
    markDefaultTimestamptz(db)
  }
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
    {
      replicas: [],
      waitMs: 0,
      idleInTransactionTimeoutMs: options.idleInTransactionTimeoutMs ?? 60_000,
    },
  )
}
