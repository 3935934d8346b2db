// What createDb() adds to a Drizzle database, on either driver: rls() and asServiceRole() (a
// transaction as a Supabase user), rlsRead() and replica() for read replicas, writePosition()
// for read-your-writes.
import { sql } from 'drizzle-orm'
import { ConfigError } from '../errors/errors.ts'
import { mapErrors } from '../errors/map.ts'
import { executeRows } from './rows.ts'
import { withLocalSettings } from './transaction-settings.ts'
import {
  type Database,
  type Db,
  type DbTarget,
  type JwtClaims,
  type RlsReadOptions,
  type RlsRole,
  rlsRoles,
  type Transaction,
} from './types.ts'

export type Routing = {
  replicas: Database[]
  /** How long rlsRead({ after }) waits for a replica by default. */
  waitMs: number
  /** 0 for none. */
  idleInTransactionTimeoutMs: number
}

const lsnPattern = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i

/** The handle an app gets: Drizzle's database plus rls(), rlsRead() and the rest. */
export function withHelpers(
  db: Database,
  target: DbTarget,
  close: () => Promise<void>,
  routing: Routing,
): Db {
  const idleMs = routing.idleInTransactionTimeoutMs
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
    // Read-only with the other settings, in their one statement: Drizzle's accessMode would
    // send a SET TRANSACTION of its own and wait for it (a round trip more per rlsRead()).
    if (readOnly) settings.transaction_read_only = 'on'
    // Transaction-local (set_config(…, true)), so it is safe behind a transaction pooler;
    // bound as parameters, never interpolated.
    // Typed errors here too: a refused connection or an unmigrated database fails at BEGIN or
    // the settings, before any query function's own mapping runs.
    return mapErrors(() => on.transaction((tx) => withLocalSettings(tx, settings, () => fn(tx))))
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
