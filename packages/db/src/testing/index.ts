// `@app/db/testing`: what an app's own tests need against a local database (never production):
// create Supabase users the way sign-up does, act as them, and reset between tests.
import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import { sql } from 'drizzle-orm'
import { createDb, type Db, executeRows, type Transaction } from '../db/client'
import { migrate } from '../migrations/migrate'
import { pgliteRunner } from '../migrations/sql-runner'

export type TestUser = { id: string; email: string | null; accountName: string }

export type CreateTestUserOptions = {
  email?: string | null
  /** `raw_user_meta_data`, as a sign-up form would send it (any JSON value). */
  metadata?: unknown
}

/**
 * Inserts into `auth.users`, as Supabase Auth does on sign-up, so the auth hook creates the
 * `general_users` row. Needs the owner connection (not a user inside rls()).
 */
export async function createTestUser(
  db: Db,
  options: CreateTestUserOptions = {},
): Promise<TestUser> {
  const email =
    options.email === undefined ? `user-${crypto.randomUUID()}@example.com` : options.email
  const metadata = options.metadata === undefined ? null : JSON.stringify(options.metadata)
  const [user] = await executeRows<{ id: string; email: string | null }>(
    db,
    sql`insert into auth.users (email, raw_user_meta_data, aud, role)
        values (${email}, ${metadata}::jsonb, 'authenticated', 'authenticated')
        returning id, email`,
  )
  if (!user) throw new Error('createTestUser: insert into auth.users returned nothing')
  const [profile] = await executeRows<{ accountName: string }>(
    db,
    sql`select account_name as "accountName" from public.general_users where id = ${user.id}`,
  )
  if (!profile)
    throw new Error(`createTestUser: the auth hook made no general_users row for ${user.id}`)
  return { ...user, accountName: profile.accountName }
}

/** Runs `fn` as the signed-in user (role authenticated, `auth.uid()` = the user's id). */
export function asUser<T>(db: Db, user: Pick<TestUser, 'id'>, fn: (tx: Transaction) => Promise<T>) {
  return db.rls({ sub: user.id, role: 'authenticated' }, fn)
}

/** Runs `fn` as a visitor who is not signed in (role anon). */
export function asAnon<T>(db: Db, fn: (tx: Transaction) => Promise<T>) {
  return db.rls({ role: 'anon' }, fn)
}

/** Runs `fn` as Supabase's service role (bypasses RLS). */
export function asServiceRole<T>(db: Db, fn: (tx: Transaction) => Promise<T>) {
  return db.asServiceRole(fn)
}

/** Empties every table of the app and `auth.users`. For test databases only. */
export async function resetDatabase(db: Db): Promise<void> {
  await db.execute(
    sql`truncate table auth.users, public.organizations, public.chat_rooms, public.virtual_users cascade`,
  )
}

/**
 * A fresh, fully migrated in-memory database (embedded PGlite with pgvector) for an app's own
 * tests: nothing to install, nothing left behind. `close()` it when done.
 */
export async function createTestDb(): Promise<Db> {
  const pglite = new PGlite({ extensions: { vector } })
  await migrate(pgliteRunner(pglite))
  return createDb({ pglite })
}
