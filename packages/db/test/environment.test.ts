// The Supabase-shaped environment on both lanes: auth.uid(), roles, RLS bypass, idempotency.
import { type SQL, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { executeRows } from '../src/db/client'
import { ConfigError } from '../src/errors/errors'
import { readScript, supabaseEnvFile } from '../src/migrations/files'
import { migrate } from '../src/migrations/migrate'
import { generalUsers } from '../src/schema'
import { lane, openTestDatabase, type TestDatabase } from './lanes'

let t: TestDatabase
beforeAll(async () => {
  t = await openTestDatabase()
})
afterAll(() => t?.close())

const userId = '6f1d1e34-3b1a-4c6e-9a55-2f8b8f0f4a11'

async function one(query: SQL): Promise<unknown> {
  return (await executeRows<{ v: unknown }>(t.db, query))[0]?.v
}

describe(`Supabase environment (${lane})`, () => {
  it('auth.uid() is the sub claim inside rls(), null outside', async () => {
    const inside = await t.db.rls({ sub: userId }, async (tx) => {
      const rows = await executeRows(
        tx,
        sql`select auth.uid() as uid, current_user as role, auth.role() as jwt_role`,
      )
      return rows[0]
    })
    expect(inside).toEqual({ uid: userId, role: 'authenticated', jwt_role: 'authenticated' })
    // After the transaction the setting reads '' (not NULL): auth.uid() must still be null.
    expect(await one(sql`select auth.uid() as v`)).toBeNull()
    expect(await one(sql`select current_setting('request.jwt.claims', true) as v`)).toMatch(
      /^$|^null$/i,
    )
  })

  it("auth.uid() is null when the claims are unset or ''", async () => {
    await t.sql.transaction(async (tx) => {
      await tx.query("select set_config('request.jwt.claims', '', true)")
      const [row] = await tx.query<{ v: string | null }>('select auth.uid() as v')
      expect(row?.v).toBeNull()
    })
    const [row] = await t.sql.query<{ v: string | null }>('select auth.uid() as v')
    expect(row?.v).toBeNull()
  })

  it('the role set by rls() holds inside its transaction only', async () => {
    const inside = await t.db.rls(
      { sub: userId },
      async (tx) => (await executeRows(tx, sql`select current_user as u`))[0]?.u,
    )
    expect(inside).toBe('authenticated')
    const anon = await t.db.rls(
      {},
      async (tx) => (await executeRows(tx, sql`select current_user as u`))[0]?.u,
    )
    expect(anon).toBe('anon')
    expect(await one(sql`select current_user as v`)).toBe('postgres')
  })

  it('service_role bypasses RLS; authenticated does not', async () => {
    const [u] = await t.sql.query<{ id: string }>(
      `insert into auth.users (email) values ('bypass@example.com') returning id`,
    )
    const id = u?.id as string
    // general_users has RLS on; without a policy that admits them, others see nothing.
    const asService = await t.db.asServiceRole((tx) =>
      tx.select().from(generalUsers).where(sql`${generalUsers.id} = ${id}`),
    )
    expect(asService).toHaveLength(1)
    const [bypass] = await t.sql.query<{ rolbypassrls: boolean }>(
      `select rolbypassrls from pg_roles where rolname = 'service_role'`,
    )
    expect(bypass?.rolbypassrls).toBe(true)
  })

  it('claims are bound as parameters, never spliced into SQL', async () => {
    const hostile = `x'); drop table public.general_users; --`
    const jwt = await t.db.rls(
      { sub: userId, name: hostile },
      async (tx) => (await executeRows(tx, sql`select auth.jwt() ->> 'name' as n`))[0]?.n,
    )
    expect(jwt).toBe(hostile)
    expect(await one(sql`select to_regclass('public.general_users') is not null as v`)).toBe(true)
  })

  it('rls() refuses unknown roles and malformed subs instead of falling back', async () => {
    const never = async () => 'ran'
    // @ts-expect-error an unknown role is a type error too
    await expect(t.db.rls({ sub: userId, role: 'postgres' }, never)).rejects.toThrow(ConfigError)
    await expect(t.db.rls({ sub: 'not-a-uuid' }, never)).rejects.toThrow(/must be a uuid/)
    await expect(t.db.rls({ role: 'authenticated' }, never)).rejects.toThrow(/needs a sub/)
  })

  it('supabase-env.sql is a no-op when run again', async () => {
    const fingerprint = () =>
      t.sql.query(`
        select r.rolname, r.rolbypassrls, r.rolcanlogin,
          (select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = 'auth') as auth_functions,
          (select count(*) from pg_attribute where attrelid = 'auth.users'::regclass and attnum > 0) as columns
        from pg_roles r
        where r.rolname in ('anon', 'authenticated', 'service_role', 'supabase_auth_admin', 'authenticator')
        order by r.rolname`)
    const before = await fingerprint()
    const script = readScript(supabaseEnvFile).text
    await t.sql.exec(script)
    await t.sql.exec(script)
    expect(await fingerprint()).toEqual(before)
    expect(before).toHaveLength(5)
  })

  it('migrate skips the environment where auth exists and is not ours (Supabase)', async () => {
    await t.sql.exec(`
      comment on schema auth is 'Supabase auth';
      drop function auth.email();
      delete from drizzle.__app_db_repeatable where name = 'supabase-env.sql';
    `)
    const summary = await migrate(t.sql)
    expect(summary.environment).toMatch(/^skipped/)
    const [row] = await t.sql.query<{ v: string | null }>(
      `select to_regprocedure('auth.email()')::text as v`,
    )
    expect(row?.v).toBeNull()
  })
})
