// Access hardening, straight from the catalogs (the security lints in test/security-lints.test.ts
// check the advisor's rules; this checks the grants themselves): who may run each SECURITY
// DEFINER function, that no API role reaches auth.users through a view, and that
// supabase_auth_admin (the role Supabase Auth inserts users as) can fire the auth hook and do
// nothing else in the app's schemas.

/**
 * Every SECURITY DEFINER function outside the system schemas, and the roles besides its owner
 * that may EXECUTE it. Each runs with the owner's rights, so each grant is a decision:
 *  - the auth hook: Supabase Auth's role fires it; service_role keeps Supabase's default grant
 *    (a trigger function cannot be called directly anyway);
 *  - the RLS membership helpers and change_member_role: in schema private (not exposed by the
 *    API), for signed-in users; each acts only on the caller's own memberships.
 */
const securityDefiners: Record<string, string[]> = {
  'public.handle_new_user()': ['service_role', 'supabase_auth_admin'],
  'private.my_room_ids()': ['authenticated'],
  'private.my_organization_ids()': ['authenticated'],
  'private.my_admin_organization_ids()': ['authenticated'],
  'private.my_departed_room_ids()': ['authenticated'],
  // The organization membership functions: each checks the caller's role in the organization.
  'private.change_member_role(p_organization_id text, p_user_id uuid, p_role public.corporate_role)':
    ['authenticated', 'service_role'],
  'private.invite_member(p_organization_id text, p_user_id uuid, p_role public.corporate_role)': [
    'authenticated',
    'service_role',
  ],
  'private.accept_invitation(p_organization_id text, p_display_name text, p_email text)': [
    'authenticated',
    'service_role',
  ],
  'private.delete_invitation(p_organization_id text, p_user_id uuid)': [
    'authenticated',
    'service_role',
  ],
  'private.remove_member(p_organization_id text, p_user_id uuid)': [
    'authenticated',
    'service_role',
  ],
  // Room membership triggers: fired, never called (no grantee at all).
  'private.user_chats_membership()': [],
  'private.user_chats_departures()': [],
  'private.chat_rooms_private_delete_leaves()': [],
  // Realtime broadcast triggers on messages and user_chats: fired, never called.
  'private.broadcast_message_change()': [],
  'private.broadcast_membership_change()': [],
}

/** What supabase_auth_admin may do in the app's schemas: fire the hook, nothing more. */
const authAdminMay = { functions: ['public.handle_new_user()'], tables: [], sequences: [] }

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SqlRunner } from '../../src/migrations/sql-runner.ts'
import { goTrueUserInsert } from '../gotrue.ts'
import { lane, openTestDatabase, type TestDatabase } from '../lanes.ts'

let t: TestDatabase
beforeAll(async () => {
  t = await openTestDatabase()
})
afterAll(() => t?.close())

class Rollback extends Error {}

/** Runs `fn` in a transaction that is always rolled back; returns what `fn` returned. */
async function rolledBack<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
  let result: T | undefined
  await expect(
    t.sql.transaction(async (tx) => {
      // Names in the catalogs' text come out schema-qualified.
      await tx.exec('set local search_path = pg_catalog')
      result = await fn(tx)
      throw new Rollback()
    }),
  ).rejects.toThrow(Rollback)
  return result as T
}

const qualifiedName = `n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'`
const systemSchemas = `('pg_catalog', 'information_schema', 'pg_toast')`

/** SECURITY DEFINER functions (not an extension's) and their EXECUTE grantees. */
const definersSql = `
  select ${qualifiedName} as name,
    coalesce((select array_agg(case when a.grantee = 0 then 'PUBLIC' else a.grantee::regrole::text end
                               order by 1)
              from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
              where a.privilege_type = 'EXECUTE' and a.grantee <> p.proowner), '{}') as grantees
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where p.prosecdef and n.nspname not in ${systemSchemas}
    and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')`

/** Views reading auth.users (in any schema) that anon or authenticated may select from. */
const authUsersViewsSql = `
  select distinct v.oid::regclass::text as view,
    has_table_privilege('anon', v.oid, 'select') as anon,
    has_table_privilege('authenticated', v.oid, 'select') as authenticated
  from pg_class v join pg_rewrite r on r.ev_class = v.oid
  join pg_depend d on d.objid = r.oid and d.refobjid = 'auth.users'::regclass
  where v.relkind in ('v', 'm') and v.relnamespace::regnamespace::text not in ${systemSchemas}`

const exposedToApi = (views: { view: string; anon: boolean; authenticated: boolean }[]) =>
  views.filter((v) => v.anon || v.authenticated).map((v) => v.view)

describe(`access hardening (${lane})`, () => {
  it('every SECURITY DEFINER function is in the spec, with exactly its EXECUTE grantees', async () => {
    const rows = await rolledBack((tx) =>
      tx.query<{ name: string; grantees: string[] }>(definersSql),
    )
    expect(Object.fromEntries(rows.map((r) => [r.name, r.grantees]))).toEqual(securityDefiners)
  })

  it('no SECURITY DEFINER function in an exposed schema is executable by anon or authenticated', async () => {
    const rows = await rolledBack((tx) =>
      tx.query<{ name: string }>(`
        select ${qualifiedName} as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where p.prosecdef and n.nspname = 'public'
          and (has_function_privilege('anon', p.oid, 'execute')
            or has_function_privilege('authenticated', p.oid, 'execute'))`),
    )
    expect(rows).toEqual([])
  })

  it('anon calls no SECURITY DEFINER function at all (schema usage and EXECUTE)', async () => {
    const rows = await rolledBack((tx) =>
      tx.query<{ name: string }>(`
        select ${qualifiedName} as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where p.prosecdef and n.nspname not in ${systemSchemas}
          and has_schema_privilege('anon', n.oid, 'usage')
          and has_function_privilege('anon', p.oid, 'execute')`),
    )
    expect(rows).toEqual([])
  })

  it('auth.users: no privilege for anon or authenticated, and no view of it they can read', async () => {
    const [direct] = await rolledBack((tx) =>
      tx.query<Record<string, boolean>>(`
        select
          has_table_privilege('anon', 'auth.users', 'select,insert,update,delete,truncate,references,trigger') as anon_table,
          has_any_column_privilege('anon', 'auth.users', 'select,insert,update,references') as anon_columns,
          has_table_privilege('authenticated', 'auth.users', 'select,insert,update,delete,truncate,references,trigger') as authenticated_table,
          has_any_column_privilege('authenticated', 'auth.users', 'select,insert,update,references') as authenticated_columns`),
    )
    expect(direct).toEqual({
      anon_table: false,
      anon_columns: false,
      authenticated_table: false,
      authenticated_columns: false,
    })
    const views = await rolledBack((tx) =>
      tx.query<{ view: string; anon: boolean; authenticated: boolean }>(authUsersViewsSql),
    )
    expect(exposedToApi(views)).toEqual([])
  })

  it('the view check finds planted leaks, in any schema; a new view is exposed by no default', async () => {
    const found = await rolledBack(async (tx) => {
      await tx.exec(`
        create view public.leak as select id, email from auth.users;
        grant select on public.leak to authenticated;
        create view private.hidden_leak as select email from auth.users where email like '%@%';
        grant select on private.hidden_leak to anon;
        -- No grant: Supabase's default privileges would give API roles every new table and view
        -- (and a view runs with its owner's rights, past RLS); migration least_privilege_grants
        -- revoked them, so this one is exposed to nobody.
        create view public.default_leak as select id from auth.users;
        create view private.internal as select id from auth.users;`)
      return tx.query<{ view: string; anon: boolean; authenticated: boolean }>(authUsersViewsSql)
    })
    expect(found.map((v) => v.view).sort()).toEqual([
      'private.hidden_leak',
      'private.internal',
      'public.default_leak',
      'public.leak',
    ])
    expect(exposedToApi(found).sort()).toEqual(['private.hidden_leak', 'public.leak'])
  })

  it('supabase_auth_admin can fire the hook: its insert into auth.users creates the general user', async () => {
    const row = await rolledBack(async (tx) => {
      await tx.exec('set local role supabase_auth_admin')
      const [user] = await tx.query<{ id: string }>(goTrueUserInsert, [
        'gotrue@example.com',
        '{"name": "Go True"}',
      ])
      await tx.exec('reset role')
      const [profile] = await tx.query<{ account_name: string; display_name: string }>(
        'select account_name, display_name from public.general_users where id = $1',
        [user?.id],
      )
      return profile
    })
    expect(row).toEqual({ account_name: 'go_true', display_name: 'Go True' })
  })

  it('supabase_auth_admin can do nothing else in public and private', async () => {
    const granted = await rolledBack(async (tx) => {
      const functions = await tx.query<{ name: string }>(`
        select ${qualifiedName} as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname in ('public', 'private')
          and has_function_privilege('supabase_auth_admin', p.oid, 'execute')
          and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
        order by 1`)
      const tables = await tx.query<{ name: string }>(`
        select c.oid::regclass::text as name from pg_class c
        where c.relnamespace::regnamespace::text in ('public', 'private')
          and c.relkind in ('r', 'p', 'v', 'm', 'f')
          and (has_table_privilege('supabase_auth_admin', c.oid,
                 'select,insert,update,delete,truncate,references,trigger')
            or has_any_column_privilege('supabase_auth_admin', c.oid, 'select,insert,update,references'))
        order by 1`)
      const sequences = await tx.query<{ name: string }>(`
        select c.oid::regclass::text as name from pg_class c
        where c.relnamespace::regnamespace::text in ('public', 'private')
          and case when c.relkind = 'S'
                then has_sequence_privilege('supabase_auth_admin', c.oid, 'usage,select,update') end
        order by 1`)
      const [schemas] = await tx.query<{ private_usage: boolean; public_create: boolean }>(`
        select has_schema_privilege('supabase_auth_admin', 'private', 'usage') as private_usage,
               has_schema_privilege('supabase_auth_admin', 'public', 'create') as public_create`)
      return {
        functions: functions.map((r) => r.name),
        tables: tables.map((r) => r.name),
        sequences: sequences.map((r) => r.name),
        ...schemas,
      }
    })
    expect(granted).toEqual({ ...authAdminMay, private_usage: false, public_create: false })
  })

  it('as supabase_auth_admin, reading or writing an app table is refused (42501)', async () => {
    const codes = await rolledBack(async (tx) => {
      await tx.exec('set local role supabase_auth_admin')
      const attempts = [
        'select 1 from public.general_users limit 1',
        `update public.general_users set display_name = 'x'`,
        'select public.generate_cuid()',
        'select 1 from private.my_room_ids()',
      ]
      const result: Record<string, string> = {}
      for (const [i, statement] of attempts.entries()) {
        // A savepoint per attempt: PGlite and Postgres abort the transaction on an error.
        await tx.exec(`savepoint a${i}`)
        try {
          await tx.exec(statement)
          result[statement] = 'allowed'
        } catch (error) {
          result[statement] = String((error as { code?: unknown }).code)
          await tx.exec(`rollback to savepoint a${i}`)
        }
      }
      return result
    })
    expect(Object.values(codes)).toEqual(['42501', '42501', '42501', '42501'])
  })
})
