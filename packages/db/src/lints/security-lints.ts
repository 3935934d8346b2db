// Security lints over the catalogs, with the rule set of Supabase's database advisor, for a
// database this package migrated (plain Postgres, PGlite or Supabase). Each query returns the
// offending objects; `pnpm db:lint` and the tests run them. ERROR and WARN must stay at zero.
import type { SqlRunner } from '../migrations/sql-runner.ts'

export type LintLevel = 'ERROR' | 'WARN' | 'INFO'
export type Lint = { name: string; level: LintLevel; description: string; sql: string }
export type LintFinding = { lint: string; level: LintLevel; object: string }

// Schemas the Supabase API (PostgREST) exposes by default.
const exposed = `('public')`
// Where the project's policies are: the tables, and the private Realtime channels
// (realtime.messages), which Realtime authorizes against the user's policies the same way.
const policed = `('public', 'realtime')`
const policyExpr = `coalesce(p.qual, '') || ' ' || coalesce(p.with_check, '')`

export const securityLints: Lint[] = [
  {
    name: 'rls_disabled_in_public',
    level: 'ERROR',
    description: 'a table in an exposed schema without row level security',
    sql: `select c.oid::regclass::text as object from pg_class c
          where c.relnamespace::regnamespace::text in ${exposed} and c.relkind in ('r', 'p')
            and not c.relrowsecurity`,
  },
  {
    name: 'policy_exists_rls_disabled',
    level: 'ERROR',
    description: 'policies exist but row level security is off, so they do nothing',
    sql: `select distinct c.oid::regclass::text as object from pg_policy p
          join pg_class c on c.oid = p.polrelid where not c.relrowsecurity`,
  },
  {
    name: 'rls_enabled_no_policy',
    level: 'INFO',
    description: 'row level security on without any policy: only the owner and BYPASSRLS see rows',
    sql: `select c.oid::regclass::text as object from pg_class c
          where c.relnamespace::regnamespace::text in ${exposed} and c.relkind in ('r', 'p')
            and c.relrowsecurity and not exists (select 1 from pg_policy p where p.polrelid = c.oid)`,
  },
  {
    name: 'auth_rls_initplan',
    level: 'WARN',
    description:
      'a policy calls auth.*() or current_setting() per row: wrap it as (select auth.uid())',
    sql: `select p.schemaname || '.' || p.tablename || ': ' || p.policyname as object
          from pg_policies p
          where p.schemaname in ${policed}
            and regexp_count(${policyExpr}, '(auth\\.(uid|jwt|role|email)|current_setting)\\(')
              > regexp_count(${policyExpr}, 'select (auth\\.(uid|jwt|role|email)|current_setting)\\(', 1, 'i')`,
  },
  {
    name: 'multiple_permissive_policies',
    level: 'WARN',
    description: 'several permissive policies for one role and action: each is evaluated',
    sql: `select p.schemaname || '.' || p.tablename || ' ' || r.role || ' ' || a.action as object
          from pg_policies p, unnest(p.roles) as r(role),
            unnest(case when p.cmd = 'ALL' then array['SELECT', 'INSERT', 'UPDATE', 'DELETE']
                        else array[p.cmd] end) as a(action)
          where p.permissive = 'PERMISSIVE' and p.schemaname in ${policed}
          group by p.schemaname, p.tablename, r.role, a.action having count(*) > 1`,
  },
  {
    name: 'policy_to_public',
    level: 'WARN',
    description: 'a policy TO public applies to every role: name the role',
    sql: `select p.schemaname || '.' || p.tablename || ': ' || p.policyname as object
          from pg_policies p where p.schemaname in ${policed} and 'public' = any(p.roles)`,
  },
  {
    name: 'rls_policy_always_true',
    level: 'WARN',
    description: 'a write policy for API roles that is always true',
    sql: `select p.schemaname || '.' || p.tablename || ': ' || p.policyname as object
          from pg_policies p
          where p.schemaname in ${policed} and p.cmd in ('INSERT', 'UPDATE', 'DELETE', 'ALL')
            and p.roles && array['public', 'anon', 'authenticated']::name[]
            and (trim(coalesce(p.qual, '')) = 'true' or trim(coalesce(p.with_check, '')) = 'true')`,
  },
  {
    name: 'rls_references_user_metadata',
    level: 'ERROR',
    description: 'a policy trusts user_metadata, which every user can edit about themselves',
    sql: `select p.schemaname || '.' || p.tablename || ': ' || p.policyname as object
          from pg_policies p where ${policyExpr} ilike '%user_metadata%'`,
  },
  {
    name: 'function_search_path_mutable',
    level: 'WARN',
    description: 'a function without a fixed search_path can be hijacked by objects on the path',
    sql: `select p.oid::regprocedure::text as object from pg_proc p
          where p.pronamespace::regnamespace::text in ('public', 'private')
            and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%')
            and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')`,
  },
  {
    name: 'security_definer_function_executable',
    level: 'WARN',
    description:
      'a SECURITY DEFINER function in an exposed schema that anon or authenticated can call',
    sql: `select p.oid::regprocedure::text as object from pg_proc p
          where p.prosecdef and p.pronamespace::regnamespace::text in ${exposed}
            and (has_function_privilege('anon', p.oid, 'execute')
              or has_function_privilege('authenticated', p.oid, 'execute'))`,
  },
  {
    name: 'extension_in_public',
    level: 'WARN',
    description: 'an extension installed in public: its objects become part of the API schema',
    sql: `select e.extname::text as object from pg_extension e
          where e.extnamespace = 'public'::regnamespace`,
  },
  {
    name: 'auth_users_exposed',
    level: 'ERROR',
    description: 'a view in an exposed schema reads auth.users and API roles can select it',
    // Through other views too: a view of a view of auth.users leaks the same rows.
    sql: `with recursive reads(view_oid) as (
            select r.ev_class from pg_rewrite r
            join pg_depend d on d.objid = r.oid and d.refobjid = 'auth.users'::regclass
            union
            select r.ev_class from reads
            join pg_depend d on d.refobjid = reads.view_oid and d.classid = 'pg_rewrite'::regclass
            join pg_rewrite r on r.oid = d.objid
          )
          select distinct v.oid::regclass::text as object
          from pg_class v join reads on reads.view_oid = v.oid
          where v.relkind in ('v', 'm') and v.relnamespace::regnamespace::text in ${exposed}
            and (has_table_privilege('anon', v.oid, 'select')
              or has_table_privilege('authenticated', v.oid, 'select'))`,
  },
  {
    name: 'api_privilege_without_policy',
    level: 'WARN',
    description:
      'an API role holds a table privilege that no policy of the table uses (or one RLS ignores)',
    sql: `select c.oid::regclass::text || ' ' || r.role || ' ' || p.privilege as object
          from pg_class c
          cross join (values ('anon'), ('authenticated')) as r(role)
          cross join (values ('SELECT'), ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE'),
                             ('REFERENCES'), ('TRIGGER')) as p(privilege)
          where c.relnamespace::regnamespace::text in ${exposed} and c.relkind in ('r', 'p')
            and c.relrowsecurity
            and (has_table_privilege(r.role, c.oid, p.privilege)
              or (p.privilege in ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES')
                  and has_any_column_privilege(r.role, c.oid, p.privilege)))
            and not exists (
              select 1 from pg_policies pp
              where pp.schemaname = c.relnamespace::regnamespace::text and pp.tablename = c.relname
                and pp.cmd in (p.privilege, 'ALL')
                and (r.role::name = any(pp.roles) or 'public' = any(pp.roles)))`,
  },
  {
    name: 'unindexed_foreign_keys',
    level: 'WARN',
    description: 'a foreign key without an index on its columns: joins and cascades scan',
    sql: `select c.conrelid::regclass::text || ' (' || c.conname || ')' as object
          from pg_constraint c
          where c.contype = 'f' and c.connamespace::regnamespace::text in ${exposed}
            and not exists (
              select 1 from pg_index i where i.indrelid = c.conrelid
                and (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] = c.conkey)`,
  },
  {
    name: 'duplicate_index',
    level: 'WARN',
    description: 'identical indexes on one table: every write maintains both',
    sql: `select string_agg(i.indexrelid::regclass::text, ', ' order by i.indexrelid::regclass::text) as object
          from pg_index i join pg_class c on c.oid = i.indrelid
          where c.relnamespace::regnamespace::text in ${exposed}
          group by i.indrelid, i.indkey::text, i.indclass::text,
            coalesce(pg_get_expr(i.indexprs, i.indrelid), ''), coalesce(pg_get_expr(i.indpred, i.indrelid), '')
          having count(*) > 1`,
  },
]

/** Runs every lint; returns what they found (nothing, on a healthy schema). */
export async function runSecurityLints(db: SqlRunner): Promise<LintFinding[]> {
  const findings: LintFinding[] = []
  for (const lint of securityLints) {
    const rows = await db.query<{ object: string }>(lint.sql)
    for (const row of rows)
      findings.push({ lint: lint.name, level: lint.level, object: row.object })
  }
  return findings
}
