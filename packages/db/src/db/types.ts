// The types of a database handle, apart from createDb() so that the modules createDb() uses
// can name them without importing it.
import type { ExtractTablesWithRelations } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core'
import type * as schema from '../schema'
import type { DatabaseUrl } from './database-url'

export type Schema = typeof schema
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

export type Db = Database & {
  readonly target: DbTarget
  /** Runs `fn` in one transaction as the user the claims describe (role + `auth.uid()`). */
  rls<T>(claims: JwtClaims, fn: (tx: Transaction) => Promise<T>): Promise<T>
  /** Trusted server code: runs `fn` as `service_role` (bypasses RLS, still bound by grants). */
  asServiceRole<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>
  close(): Promise<void>
}
