// The security lints: zero ERROR/WARN on the migrated schema, and each lint proven able to
// fire by planting its violation (in a transaction that is rolled back).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runSecurityLints, securityLints } from '../src/lints/security-lints'
import { lane, openTestDatabase, type TestDatabase } from './lanes'

const planted: Record<string, { setup: string; object: RegExp }> = {
  rls_disabled_in_public: { setup: 'create table public.lint_t (id int)', object: /lint_t/ },
  policy_exists_rls_disabled: {
    setup: `create table public.lint_t (id int);
            create policy p on public.lint_t for select to authenticated using (true)`,
    object: /lint_t/,
  },
  rls_enabled_no_policy: {
    setup:
      'create table public.lint_t (id int); alter table public.lint_t enable row level security',
    object: /lint_t/,
  },
  auth_rls_initplan: {
    setup: `create policy "per row uid" on public.addresses for select to authenticated
              using (user_id = auth.uid())`,
    object: /per row uid/,
  },
  multiple_permissive_policies: {
    setup: `create policy "second read" on public.addresses for select to authenticated
              using (user_id = (select auth.uid()))`,
    object: /addresses authenticated SELECT/,
  },
  policy_to_public: {
    setup: `create policy "to everyone" on public.addresses for select using (false)`,
    object: /to everyone/,
  },
  rls_policy_always_true: {
    setup: `create policy "open insert" on public.messages for insert to authenticated with check (true)`,
    object: /open insert/,
  },
  rls_references_user_metadata: {
    setup: `create policy "metadata admin" on public.messages for delete to authenticated
              using (((select auth.jwt()) -> 'user_metadata' ->> 'admin')::boolean)`,
    object: /metadata admin/,
  },
  function_search_path_mutable: {
    setup: `create function public.lint_f() returns int language sql as 'select 1'`,
    object: /lint_f/,
  },
  security_definer_function_executable: {
    setup: `create function public.lint_d() returns int language sql security definer
              set search_path = '' as 'select 1'`,
    object: /lint_d/,
  },
  extension_in_public: { setup: 'alter extension vector set schema public', object: /vector/ },
  auth_users_exposed: {
    setup: `create view public.lint_v as select id from auth.users;
            grant select on public.lint_v to anon`,
    object: /lint_v/,
  },
  unindexed_foreign_keys: {
    setup: 'create table public.lint_t (id int, org text references public.organizations (id))',
    object: /lint_t/,
  },
  duplicate_index: {
    setup: 'create index lint_dup on public.messages (sender_user_id)',
    object: /lint_dup/,
  },
}

let t: TestDatabase
beforeAll(async () => {
  t = await openTestDatabase()
})
afterAll(() => t?.close())

class Rollback extends Error {}

describe(`security lints (${lane})`, () => {
  it('find no ERROR or WARN, and no INFO either, on the migrated schema', async () => {
    expect(await runSecurityLints(t.sql)).toEqual([])
  })

  it('every lint has a planted violation below', () => {
    expect(Object.keys(planted).sort()).toEqual(securityLints.map((l) => l.name).sort())
  })

  it.each(securityLints)('$name fires on its violation', async (lint) => {
    const { setup, object } = planted[lint.name] ?? { setup: '', object: /never/ }
    let objects: string[] = []
    await expect(
      t.sql.transaction(async (tx) => {
        await tx.exec(setup)
        objects = (await tx.query<{ object: string }>(lint.sql)).map((r) => r.object)
        throw new Rollback()
      }),
    ).rejects.toThrow(Rollback)
    expect(
      objects.some((o) => object.test(o)),
      objects.join('; '),
    ).toBe(true)
  })
})
