// The Supabase-shaped environment on both lanes: auth.uid(), roles, RLS bypass, idempotency.
import { type SQL, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { executeRows } from '../src/db/client.ts'
import { ConfigError } from '../src/errors/errors.ts'
import { readScript, supabaseEnvFile } from '../src/migrations/files.ts'
import { migrate } from '../src/migrations/migrate.ts'
import { addresses, generalUsers } from '../src/schema.ts'
import { createTestUser } from '../src/testing/index.ts'
import { lane, openTestDatabase, type TestDatabase } from './lanes.ts'
import { catalogFingerprint } from './reliability/fingerprint.ts'

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
    expect(await one(sql`select current_user = session_user as v`)).toBe(true)
  })

  it('service_role bypasses RLS; authenticated does not', async () => {
    const [u] = await t.sql.query<{ id: string }>(
      `insert into auth.users (id, email) values (gen_random_uuid(), 'bypass@example.com') returning id`,
    )
    const id = u?.id as string
    // general_users has RLS on; without a policy that admits them, others see nothing.
    const asService = await t.db.asServiceRole((tx) =>
      tx.select().from(generalUsers).where(sql`${generalUsers.id} = ${id}`),
    )
    expect(asService).toHaveLength(1)
    // An address is its owner's alone: service_role reads it, another signed-in user does not.
    await t.sql.query(
      `insert into addresses (user_id, postal_code, country, city, line1) values ($1, '1', 'JP', 'Kyoto', '1')`,
      [id],
    )
    const other = '00000000-0000-4000-8000-0000000000b0'
    const read = (claims: { sub: string } | { role: 'service_role' }) =>
      t.db.rls(claims, (tx) => tx.select().from(addresses).where(sql`${addresses.userId} = ${id}`))
    expect(await read({ role: 'service_role' })).toHaveLength(1)
    expect(await read({ sub: other })).toHaveLength(0)
    expect(await read({ sub: id })).toHaveLength(1)
    const roles = await t.sql.query<{ rolname: string; rolbypassrls: boolean }>(
      `select rolname, rolbypassrls from pg_roles where rolname in ('service_role', 'authenticated', 'anon') order by 1`,
    )
    expect(roles).toEqual([
      { rolname: 'anon', rolbypassrls: false },
      { rolname: 'authenticated', rolbypassrls: false },
      { rolname: 'service_role', rolbypassrls: true },
    ])
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

  it("the stand-in's auth tables are as strict as Supabase Auth's", async () => {
    const q = async <T extends object>(text: string) => t.sql.query<T>(text)
    const defaults = await q<{ column: string }>(`
      select a.attname as column from pg_attribute a join pg_attrdef d
        on d.adrelid = a.attrelid and d.adnum = a.attnum
      where a.attrelid = 'auth.users'::regclass and a.attname in ('id', 'created_at', 'updated_at')`)
    expect(defaults).toEqual([])
    const tables = await q<{ name: string; owner: string; rls: boolean }>(`
      select c.oid::regclass::text as name, c.relowner::regrole::text as owner,
             c.relrowsecurity as rls
      from pg_class c where c.oid in ('auth.users'::regclass, 'auth.identities'::regclass)
      order by 1`)
    expect(tables).toEqual([
      { name: 'auth.identities', owner: 'supabase_auth_admin', rls: true },
      { name: 'auth.users', owner: 'supabase_auth_admin', rls: true },
    ])
    const unique = await q<{ name: string }>(`
      select c.relname as name from pg_index i join pg_class c on c.oid = i.indexrelid
      where i.indrelid = 'auth.users'::regclass and i.indisunique order by 1`)
    expect(unique.map((r) => r.name)).toEqual([
      'confirmation_token_idx',
      'email_change_token_current_idx',
      'email_change_token_new_idx',
      'reauthentication_token_idx',
      'recovery_token_idx',
      'users_email_partial_key',
      'users_phone_key',
      'users_pkey',
    ])
    // The migrating role is not Supabase Auth (no membership), yet holds on auth.users what
    // hosted postgres holds: every table privilege, TRIGGER for the auth hook among them.
    const [me] = await q<{ member: boolean; privileges: string }>(`
      select exists (select 1 from pg_auth_members m where m.roleid = 'supabase_auth_admin'::regrole
                       and m.member = current_user::regrole) as member,
             (select string_agg(a.privilege_type, ',' order by a.privilege_type)
              from aclexplode((select relacl from pg_class where oid = 'auth.users'::regclass)) a
              where a.grantee = current_user::regrole) as privileges`)
    expect(me?.member).toBe(false)
    expect(me?.privileges).toMatch(
      /^DELETE,INSERT,(MAINTAIN,)?REFERENCES,SELECT,TRIGGER,TRUNCATE,UPDATE$/,
    )
    // Two unconfirmed sign-ups may both hold "no token" (''), never the same real token.
    await createTestUser(t.db)
    await createTestUser(t.db)
    await expect(
      t.sql.exec(`update auth.users set confirmation_token = 'same-token'
                  where id in (select id from auth.users limit 2)`),
    ).rejects.toThrow(/confirmation_token_idx/)
  })

  it('supabase-env.sql is a no-op when run again', async () => {
    // The whole catalog of the app's schemas, roles' grants included, not a few counts.
    const before = await catalogFingerprint(t.sql)
    const script = readScript(supabaseEnvFile).text
    await t.sql.exec(script)
    await t.sql.exec(script)
    expect(await catalogFingerprint(t.sql)).toEqual(before)
    const roles = await t.sql.query<{ n: number }>(
      `select count(*)::int as n from pg_roles where rolname in ('anon', 'authenticated', 'service_role', 'supabase_auth_admin', 'authenticator')`,
    )
    expect(roles[0]?.n).toBe(5)
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
