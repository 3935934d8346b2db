// The types of a database handle, apart from createDb() so that the modules createDb() uses
// can name them without importing it.
import type { ExtractTablesWithRelations } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core'
import type * as schema from '../schema.ts'
import type { DatabaseUrl } from './database-url.ts'

export type Schema = typeof schema

/** How column names map to SQL: every handle's and every statement built once (snake_case). */
export const casing = 'snake_case' as const
/** A database handle as query functions see it, whichever driver is behind it. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>
export type Transaction = PgTransaction<
  PgQueryResultHKT,
  Schema,
  ExtractTablesWithRelations<Schema>
>
/** What every query function takes: it runs alone, inside rls(), or in a caller's transaction. */
export type DatabaseOrTransaction = Database | Transaction

export const rlsRoles = ['anon', 'authenticated', 'service_role'] as const
export type RlsRole = (typeof rlsRoles)[number]

/** JWT claims as Supabase puts them in `request.jwt.claims`. */
export type JwtClaims = {
  sub?: string
  role?: RlsRole
  email?: string
  [claim: string]: unknown
}

export type DbTarget = { kind: 'server'; url: DatabaseUrl } | { kind: 'embedded'; dataDir: string }

export type RlsReadOptions = {
  /**
   * A `writePosition()` token: the read must see everything written before it. A replica that
   * has not replayed that far within `maxWaitMs` is skipped for the primary.
   */
  after?: string
  /** How long to wait for a lagging replica. Default: createDb's `replicaWaitMs` (250 ms). */
  maxWaitMs?: number
}

export type ReplicaStats = {
  /** rlsRead() calls. */
  reads: number
  /** Of those, run on a replica. */
  onReplica: number
  /** Of those, sent to the primary because the replica had not replayed `after` in time. */
  fallbacks: number
}

export type Db = Database & {
  readonly target: DbTarget
  /** Runs `fn` in one transaction as the user the claims describe (role + `auth.uid()`). */
  rls<T>(claims: JwtClaims, fn: (tx: Transaction) => Promise<T>): Promise<T>
  /**
   * As rls(), in a read-only transaction on a read replica (the primary when there is none);
   * a write in it is a ReadOnlyError. With `after`, it sees at least what was written then.
   */
  rlsRead<T>(
    claims: JwtClaims,
    fn: (tx: Transaction) => Promise<T>,
    options?: RlsReadOptions,
  ): Promise<T>
  /** A read replica for plain reads, in turn (the primary when there is none). */
  replica(): Database
  /**
   * A token for read-your-writes: the primary's WAL position now, after the caller's writes
   * committed. Pass it as rlsRead()'s `after`. Without replicas it costs nothing.
   */
  writePosition(): Promise<string>
  replicaStats(): ReplicaStats
  /** Trusted server code: runs `fn` as `service_role` (bypasses RLS, still bound by grants). */
  asServiceRole<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>
  close(): Promise<void>
}
