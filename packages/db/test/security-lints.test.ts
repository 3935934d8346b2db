// The security lints: zero ERROR/WARN on the migrated schema, and each lint proven able to
// fire by planting its violation (in a transaction that is rolled back).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runSecurityLints, securityLints } from '../src/lints/security-lints.ts'
import { lane, openTestDatabase, type TestDatabase } from './lanes.ts'

/** At least two different violations per lint: each must fire on every one of them. */
const planted: Record<string, { setup: string; object: RegExp }[]> = {
  rls_disabled_in_public: [
    { setup: 'create table public.lint_t (id int)', object: /lint_t/ },
    { setup: 'create table public.lint_p (id int) partition by range (id)', object: /lint_p/ },
  ],
  policy_exists_rls_disabled: [
    {
      setup: `create table public.lint_t (id int);
              create policy p on public.lint_t for select to authenticated using (true)`,
      object: /lint_t/,
    },
    { setup: 'alter table public.addresses disable row level security', object: /addresses/ },
  ],
  rls_enabled_no_policy: [
    {
      setup:
        'create table public.lint_t (id int); alter table public.lint_t enable row level security',
      object: /lint_t/,
    },
    {
      setup: `drop policy "members can read the virtual members of their rooms" on public.virtual_user_chats`,
      object: /virtual_user_chats/,
    },
  ],
  auth_rls_initplan: [
    {
      setup: `create policy "per row uid" on public.addresses for select to authenticated
                using (user_id = auth.uid())`,
      object: /per row uid/,
    },
    {
      setup: `create policy "per row claims" on public.messages for update to authenticated
                using (sender_user_id = (select auth.uid()))
                with check (current_setting('request.jwt.claims', true) is not null)`,
      object: /per row claims/,
    },
    {
      setup: `create policy "per row topic" on realtime.messages for select to authenticated
                using (topic = 'room:' || auth.uid()::text)`,
      object: /realtime\.messages: per row topic/,
    },
  ],
  multiple_permissive_policies: [
    {
      setup: `create policy "second read" on public.addresses for select to authenticated
                using (user_id = (select auth.uid()))`,
      object: /addresses authenticated SELECT/,
    },
    {
      setup: `create policy "second insert" on public.messages for insert to authenticated
                with check (false)`,
      object: /messages authenticated INSERT/,
    },
    {
      setup: `create policy "anyone may listen" on realtime.messages for select to authenticated
                using (extension = 'broadcast')`,
      object: /realtime\.messages authenticated SELECT/,
    },
  ],
  policy_to_public: [
    {
      setup: `create policy "to everyone" on public.addresses for select using (false)`,
      object: /to everyone/,
    },
    {
      setup: `create policy "public delete" on public.messages for delete to public using (false)`,
      object: /public delete/,
    },
  ],
  rls_policy_always_true: [
    {
      setup: `create policy "open insert" on public.messages for insert to authenticated with check (true)`,
      object: /open insert/,
    },
    {
      setup: `create policy "open update" on public.addresses for update to authenticated
                using (true) with check (user_id = (select auth.uid()))`,
      object: /open update/,
    },
    {
      setup: `create policy "anyone may broadcast" on realtime.messages for insert to authenticated
                with check (true)`,
      object: /realtime\.messages: anyone may broadcast/,
    },
  ],
  rls_references_user_metadata: [
    {
      setup: `create policy "metadata admin" on public.messages for delete to authenticated
                using (((select auth.jwt()) -> 'user_metadata' ->> 'admin')::boolean)`,
      object: /metadata admin/,
    },
    {
      setup: `create policy "metadata insert" on public.addresses for insert to authenticated
                with check ((select auth.jwt()) #>> '{user_metadata,role}' = 'admin')`,
      object: /metadata insert/,
    },
  ],
  function_search_path_mutable: [
    {
      setup: `create function public.lint_f() returns int language sql as 'select 1'`,
      object: /lint_f/,
    },
    {
      setup: `create function private.lint_g() returns trigger language plpgsql
                as $$ begin return new; end $$`,
      object: /lint_g/,
    },
  ],
  security_definer_function_executable: [
    {
      setup: `create function public.lint_d() returns int language sql security definer
                set search_path = '' as 'select 1'`,
      object: /lint_d/,
    },
    {
      setup: `create function public.lint_e() returns int language sql security definer
                set search_path = '' as 'select 2';
              revoke all on function public.lint_e() from public;
              grant execute on function public.lint_e() to anon`,
      object: /lint_e/,
    },
  ],
  extension_in_public: [
    { setup: 'alter extension vector set schema public', object: /vector/ },
    {
      setup: 'drop extension vector cascade; create extension vector schema public',
      object: /vector/,
    },
  ],
  auth_users_exposed: [
    {
      setup: `create view public.lint_v as select id from auth.users;
              grant select on public.lint_v to anon`,
      object: /lint_v/,
    },
    {
      // A view of a view: the leak is one step removed from auth.users.
      setup: `create view private.lint_inner as select id, email from auth.users;
              create view public.lint_outer as select email from private.lint_inner;
              grant select on public.lint_outer to authenticated`,
      object: /lint_outer/,
    },
  ],
  api_privilege_without_policy: [
    {
      setup: 'grant insert on public.virtual_users to authenticated',
      object: /virtual_users authenticated INSERT/,
    },
    { setup: 'grant delete on public.messages to anon', object: /messages anon DELETE/ },
    {
      setup: 'grant truncate on public.addresses to authenticated',
      object: /addresses authenticated TRUNCATE/,
    },
  ],
  unindexed_foreign_keys: [
    {
      setup: 'create table public.lint_t (id int, org text references public.organizations (id))',
      object: /lint_t/,
    },
    {
      // An index exists, but the foreign key's column is not its leading one.
      setup: `create table public.lint_u (a text, b uuid references public.general_users (id));
              create index lint_u_a_b on public.lint_u (a, b)`,
      object: /lint_u/,
    },
  ],
  duplicate_index: [
    {
      setup: 'create index lint_dup on public.messages (sender_user_id)',
      object: /lint_dup/,
    },
    {
      setup: 'create unique index lint_dup2 on public.organizations (slug)',
      object: /lint_dup2/,
    },
  ],
}

const cases = securityLints.flatMap((lint) =>
  (planted[lint.name] ?? []).map((violation, i) => ({ name: lint.name, lint, i, ...violation })),
)

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

  it('every lint has at least two different planted violations below', () => {
    expect(Object.keys(planted).sort()).toEqual(securityLints.map((l) => l.name).sort())
    for (const lint of securityLints) {
      expect(planted[lint.name]?.length ?? 0, lint.name).toBeGreaterThanOrEqual(2)
    }
  })

  it.each(cases)('$name fires on violation $i', async ({ lint, setup, object }) => {
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
