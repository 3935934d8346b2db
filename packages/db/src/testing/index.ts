// `@app/db/testing`: what an app's own tests need against a local database (never production):
// create Supabase users the way sign-up does, act as them, and reset between tests.
import { randomUUID } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import { createDb, type Db, executeRows, type Transaction } from '../db/client.ts'
import { parseDatabaseUrl } from '../db/database-url.ts'
import { SEARCH_PATH } from '../db/search-path.ts'
import { ConfigError } from '../errors/errors.ts'
import { toDbError } from '../errors/map.ts'
import { migrate } from '../migrations/migrate.ts'
import { pgliteRunner, postgresRunner } from '../migrations/sql-runner.ts'
import { emptyAppData } from '../seed/app-tables.ts'

export type TestUser = { id: string; email: string | null; accountName: string }

export type CreateTestUserOptions = {
  email?: string | null
  /** `raw_user_meta_data`, as a sign-up form would send it (any JSON value). */
  metadata?: unknown
}

/**
 * Signs a user up as Supabase Auth does: as `supabase_auth_admin` (where the connection may
 * become it), one transaction with the `auth.users` row and its email identity, id and
 * timestamps written by the caller (auth.users has no defaults for them). The auth hook
 * creates the `general_users` row. Needs the owner connection (not a user inside rls()).
 */
export async function createTestUser(
  db: Db,
  options: CreateTestUserOptions = {},
): Promise<TestUser> {
  const email =
    options.email === undefined ? `user-${crypto.randomUUID()}@example.com` : options.email
  const metadata = options.metadata === undefined ? null : JSON.stringify(options.metadata)
  const id = randomUUID()
  const identity = JSON.stringify({ sub: id, email, email_verified: false })
  const accountName = await db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('role', 'supabase_auth_admin', true)
      where pg_catalog.pg_has_role(current_user, 'supabase_auth_admin', 'MEMBER')`)
    await tx.execute(sql`insert into auth.users (instance_id, id, aud, role, email,
        raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
      values ('00000000-0000-0000-0000-000000000000', ${id}, 'authenticated', 'authenticated',
        ${email}, '{"provider":"email","providers":["email"]}', ${metadata}::jsonb, now(), now())`)
    if (email !== null) {
      await tx.execute(sql`insert into auth.identities (provider_id, user_id, identity_data,
          provider, created_at, updated_at)
        values (${id}, ${id}, ${identity}::jsonb, 'email', now(), now())`)
    }
    await tx.execute(sql`select set_config('role', 'none', true)`)
    const [profile] = await executeRows<{ accountName: string }>(
      tx,
      sql`select account_name as "accountName" from public.general_users where id = ${id}`,
    )
    return profile?.accountName
  })
  if (!accountName)
    throw new Error(`createTestUser: the auth hook made no general_users row for ${id}`)
  return { id, email, accountName }
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

/** Empties every table of the app and `auth.users` (as `db:seed --reset` does). For tests. */
export async function resetDatabase(db: Db): Promise<void> {
  await db.transaction((tx) => emptyAppData(tx))
}

export type CreateTestDbOptions = {
  /**
   * A postgres:// URL of a server to make the database on (as a user who may create databases):
   * a new database beside the one the URL names, migrated, and dropped by `close()`. Without it:
   * an in-memory embedded database.
   */
  url?: string
  /** Allow a server that is not on this machine (refused by default: tests never reach prod). */
  allowRemote?: boolean
}

const loopback = /^(localhost|127(\.\d+){3}|\[?::1\]?)$/

/**
 * A fresh, fully migrated database for an app's own tests, on either lane: nothing left behind
 * once `close()`d. Embedded by default (nothing to install); with `url`, on that server.
 */
export async function createTestDb(options: CreateTestDbOptions = {}): Promise<Db> {
  if (!options.url) {
    const pglite = new PGlite({ extensions: { vector } })
    await migrate(pgliteRunner(pglite))
    return createDb({ pglite })
  }
  const base = parseDatabaseUrl(options.url)
  if (!options.allowRemote && !loopback.test(base.host)) {
    throw new ConfigError(
      `createTestDb: ${base.host} is not this machine; pass allowRemote: true if it is a test server`,
    )
  }
  const name = `app_db_test_${randomUUID().replaceAll('-', '').slice(0, 20)}`
  const admin = postgres(options.url, { max: 1, onnotice: () => {} })
  const url = new URL(options.url)
  url.pathname = `/${name}`
  try {
    await admin.unsafe(`create database "${name}"`)
    // Supabase sets this per database; a fresh one here has the server's default.
    await admin.unsafe(`alter database "${name}" set search_path = ${SEARCH_PATH}`)
    const raw = postgres(url.toString(), { max: 1, onnotice: () => {} })
    try {
      await migrate(postgresRunner(raw))
    } finally {
      await raw.end({ timeout: 5 })
    }
  } catch (error) {
    await admin.unsafe(`drop database if exists "${name}" with (force)`).catch(() => {})
    await admin.end({ timeout: 5 })
    throw toDbError(error)
  }
  const db = createDb({ url: url.toString(), maxConnections: 4 })
  const closeDb = db.close
  return Object.assign(db, {
    async close() {
      await closeDb()
      try {
        await admin.unsafe(`drop database if exists "${name}" with (force)`)
      } finally {
        await admin.end({ timeout: 5 })
      }
    },
  })
}
