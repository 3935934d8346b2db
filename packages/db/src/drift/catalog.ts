// What the project owns in a database, read from the catalog as comparable objects: tables,
// columns, constraints, indexes, policies, functions, triggers, types, extensions, schemas and
// the API roles' privileges on them. Names only, never OIDs, so two databases built apart compare
// equal; no owners and no grantors, which depend on who ran the migrations, not on what they did.
// `db:check --live` compares the target's with a scratch database's (drift.ts).
import type { SqlRunner } from '../migrations/sql-runner.ts'

export type CatalogObject = {
  /** How a report line names it, unique in a catalog: `table public.messages`. */
  name: string
  /** The object it belongs to (a column's table): not reported when that one is missing. */
  parent?: string
  /** Only on the target is no drift: an extension the platform enabled outside our schemas. */
  platform?: boolean
  /** What is compared, by label (`USING`, `default`, `grant to anon`). */
  attrs: Record<string, string>
}

/**
 * Supabase's own schemas (and the stand-in's copies of them in sql/supabase-env.sql), the
 * migration history and the system's. Every other schema is the project's: one made in the
 * dashboard shows up as drift. Schemas an extension created are skipped too (pg_depend).
 */
const platformSchemas = [
  'auth',
  'storage',
  'realtime',
  '_realtime',
  'extensions',
  'graphql',
  'graphql_public',
  'vault',
  'pgsodium',
  'pgsodium_masks',
  'pgbouncer',
  'supabase_functions',
  'supabase_migrations',
  'net',
  'cron',
  '_analytics',
  'drizzle',
  'information_schema',
  'pg_catalog',
]

/** Roles whose privileges are compared: the API's, the auth hook's, and PUBLIC. */
const comparedGrantees = ['anon', 'authenticated', 'service_role', 'supabase_auth_admin']

const ourSchemas = `select n.oid from pg_namespace n
  where n.nspname <> all ($1::text[]) and n.nspname !~ '^pg_(toast|temp)'
    and not exists (select 1 from pg_depend d where d.classid = 'pg_namespace'::regclass
                    and d.objid = n.oid and d.deptype = 'e')`

const notExtensionMember = (catalog: string, oid: string) =>
  `not exists (select 1 from pg_depend d where d.classid = '${catalog}'::regclass
     and d.objid = ${oid} and d.deptype = 'e')`

/** How a relation is named in a line, by relkind. */
const relationLabel = (c: string) => `case ${c}.relkind when 'r' then 'table' when 'p' then 'table'
  when 'v' then 'view' when 'm' then 'materialized view' when 'S' then 'sequence'
  when 'f' then 'foreign table' when 'c' then 'type' end || ' ' || ${c}.oid::regclass::text`

const functionLabel = `case p.prokind when 'p' then 'procedure' when 'a' then 'aggregate'
  else 'function' end || ' ' || p.oid::regproc::text || '('
  || pg_get_function_identity_arguments(p.oid) || ')'`

const yesNo = (flag: string, yes: string, no: string) =>
  `case when ${flag} then '${yes}' else '${no}' end`

/** One query per kind; each row is an object: name, parent, attrs (jsonb, nulls dropped). */
const objects: string[] = [
  `select 'schema ' || n.nspname, null, '{}'::jsonb, false
     from pg_namespace n where n.oid in (${ourSchemas})`,
  `select 'extension ' || e.extname, null,
          jsonb_build_object('schema', e.extnamespace::regnamespace::text),
          e.extnamespace not in (${ourSchemas})
     from pg_extension e`,
  `select ${relationLabel('c')}, null, jsonb_build_object(
            'row level security', ${yesNo('c.relrowsecurity', 'enabled', 'disabled')},
            'forced row level security', ${yesNo('c.relforcerowsecurity', 'yes', 'no')},
            'options', array_to_string(c.reloptions, ', '),
            'definition', case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid, true) end,
            'sequence', (select format('%s start %s increment %s min %s max %s cache %s%s',
                           s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
                           s.seqcache, case when s.seqcycle then ' cycle' else '' end)
                         from pg_sequence s where s.seqrelid = c.oid)), false
     from pg_class c
     where c.relnamespace in (${ourSchemas}) and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
       and ${notExtensionMember('pg_class', 'c.oid')}`,
  `select 'column ' || c.oid::regclass::text || '.' || quote_ident(a.attname), ${relationLabel('c')},
          jsonb_build_object(
            'type', format_type(a.atttypid, a.atttypmod),
            'nullability', ${yesNo('a.attnotnull', 'not null', 'null')},
            'default', case when a.attgenerated = '' then pg_get_expr(d.adbin, d.adrelid) end,
            'generated', case when a.attgenerated <> '' then pg_get_expr(d.adbin, d.adrelid) end,
            'identity', case a.attidentity when 'a' then 'always' when 'd' then 'by default' end,
            'collation', case when a.attcollation <> t.typcollation
                              then a.attcollation::regcollation::text end,
            'storage', case when a.attstorage <> t.typstorage then a.attstorage::text end), false
     from pg_attribute a join pg_class c on c.oid = a.attrelid
     join pg_type t on t.oid = a.atttypid
     left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
     where c.relnamespace in (${ourSchemas}) and c.relkind in ('r', 'p', 'v', 'm', 'f', 'c')
       and a.attnum > 0 and not a.attisdropped and ${notExtensionMember('pg_class', 'c.oid')}`,
  // NOT NULL is the column's nullability (PostgreSQL 18 also lists it as a constraint).
  `select 'constraint ' || quote_ident(k.conname) || ' on ' || coalesce(
            ${relationLabel('c')}, 'type ' || k.contypid::regtype::text),
          coalesce(${relationLabel('c')}, 'type ' || k.contypid::regtype::text),
          jsonb_build_object('definition', pg_get_constraintdef(k.oid)), false
     from pg_constraint k left join pg_class c on c.oid = k.conrelid
     where k.connamespace in (${ourSchemas}) and k.contype <> 'n'`,
  `select 'index ' || i.indexrelid::regclass::text, ${relationLabel('c')},
          jsonb_build_object('definition', pg_get_indexdef(i.indexrelid),
            'validity', case when not i.indisvalid then 'invalid' end), false
     from pg_index i join pg_class c on c.oid = i.indrelid
     where c.relnamespace in (${ourSchemas}) and ${notExtensionMember('pg_class', 'c.oid')}`,
  // Policies on every table, Supabase's too: Supabase writes none of its own, so one on
  // realtime.messages (a private channel's) or storage.objects is always the project's.
  `select 'policy ' || quote_ident(p.polname) || ' on ' || p.polrelid::regclass::text,
          case when c.relnamespace in (${ourSchemas}) then ${relationLabel('c')} end,
          jsonb_build_object(
            'command', case p.polcmd when 'r' then 'select' when 'a' then 'insert'
                       when 'w' then 'update' when 'd' then 'delete' else 'all' end,
            'kind', ${yesNo('p.polpermissive', 'permissive', 'restrictive')},
            'roles', (select string_agg(case when r = 0 then 'public' else r::regrole::text end,
                                        ', ' order by 1) from unnest(p.polroles) r),
            'USING', pg_get_expr(p.polqual, p.polrelid),
            'WITH CHECK', pg_get_expr(p.polwithcheck, p.polrelid)), false
     from pg_policy p join pg_class c on c.oid = p.polrelid
     where c.relnamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)`,
  `select ${functionLabel}, null, jsonb_build_object(
            'returns', pg_get_function_result(p.oid),
            'language', l.lanname,
            'security', ${yesNo('p.prosecdef', 'definer', 'invoker')},
            'volatility', case p.provolatile when 'i' then 'immutable' when 's' then 'stable'
                          else 'volatile' end,
            'parallel', case p.proparallel when 's' then 'safe' when 'r' then 'restricted'
                        else 'unsafe' end,
            'strict', ${yesNo('p.proisstrict', 'yes', 'no')},
            'leakproof', ${yesNo('p.proleakproof', 'yes', 'no')},
            'config', array_to_string(p.proconfig, ', '),
            'body', case when p.prosqlbody is not null then pg_get_function_sqlbody(p.oid)
                    else p.prosrc end), false
     from pg_proc p join pg_language l on l.oid = p.prolang
     where p.pronamespace in (${ourSchemas}) and ${notExtensionMember('pg_proc', 'p.oid')}`,
  // Also the project's triggers on tables it does not own (the auth hook on auth.users): those
  // that run one of its functions.
  `select 'trigger ' || quote_ident(t.tgname) || ' on ' || t.tgrelid::regclass::text,
          case when c.relnamespace in (${ourSchemas}) then ${relationLabel('c')} end,
          jsonb_build_object('definition', pg_get_triggerdef(t.oid),
            'state', case t.tgenabled when 'D' then 'disabled' when 'R' then 'replica only'
                     when 'A' then 'always' else 'enabled' end), false
     from pg_trigger t join pg_class c on c.oid = t.tgrelid
     join pg_proc p on p.oid = t.tgfoid
     where not t.tgisinternal
       and (c.relnamespace in (${ourSchemas}) or p.pronamespace in (${ourSchemas}))`,
  `select 'type ' || t.oid::regtype::text, null, jsonb_build_object(
            'kind', case t.typtype when 'e' then 'enum' when 'd' then 'domain'
                    when 'c' then 'composite' when 'r' then 'range' else 'multirange' end,
            'labels', (select string_agg(e.enumlabel, ', ' order by e.enumsortorder)
                       from pg_enum e where e.enumtypid = t.oid),
            'base type', case when t.typtype = 'd' then format_type(t.typbasetype, t.typtypmod) end,
            'default', t.typdefault,
            'nullability', case when t.typtype = 'd' then ${yesNo('t.typnotnull', 'not null', 'null')} end), false
     from pg_type t
     where t.typnamespace in (${ourSchemas}) and t.typtype in ('e', 'd', 'c', 'r', 'm')
       and (t.typtype <> 'c' or (select relkind from pg_class where oid = t.typrelid) = 'c')
       and ${notExtensionMember('pg_type', 't.oid')}`,
]

/** Privileges of the compared roles, one row per object and grantee; no grant option, no grantor. */
const privilegesOf = (name: string, acl: string, from: string, where: string) => `
  select ${name} as name, case when x.grantee = 0 then 'PUBLIC' else x.grantee::regrole::text end
           as grantee,
         string_agg(x.privilege_type || case when x.is_grantable then ' (grantable)' else '' end,
                    ', ' order by x.privilege_type) as privileges
  from ${from} cross join lateral aclexplode(${acl}) x
  where (${where}) and (x.grantee = 0 or x.grantee::regrole::text = any ($2::text[]))
  group by 1, 2`

// A null ACL means the owner's defaults (acldefault), which also give PUBLIC EXECUTE on functions.
const privileges: string[] = [
  privilegesOf(
    `'schema ' || n.nspname`,
    `coalesce(n.nspacl, acldefault('n', n.nspowner))`,
    'pg_namespace n',
    `n.oid in (${ourSchemas})`,
  ),
  privilegesOf(
    relationLabel('c'),
    `coalesce(c.relacl, acldefault((case when c.relkind = 'S' then 's' else 'r' end)::"char", c.relowner))`,
    'pg_class c',
    `c.relnamespace in (${ourSchemas}) and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
       and ${notExtensionMember('pg_class', 'c.oid')}`,
  ),
  privilegesOf(
    `'column ' || c.oid::regclass::text || '.' || quote_ident(a.attname)`,
    'a.attacl',
    'pg_attribute a join pg_class c on c.oid = a.attrelid',
    `c.relnamespace in (${ourSchemas}) and c.relkind in ('r', 'p', 'v', 'm', 'f')
       and a.attnum > 0 and not a.attisdropped and a.attacl is not null
       and ${notExtensionMember('pg_class', 'c.oid')}`,
  ),
  privilegesOf(
    functionLabel,
    `coalesce(p.proacl, acldefault('f', p.proowner))`,
    'pg_proc p',
    `p.pronamespace in (${ourSchemas}) and ${notExtensionMember('pg_proc', 'p.oid')}`,
  ),
  privilegesOf(
    `'type ' || t.oid::regtype::text`,
    `coalesce(t.typacl, acldefault('T', t.typowner))`,
    'pg_type t',
    `t.typnamespace in (${ourSchemas}) and t.typtype in ('e', 'd', 'r', 'm')
       and ${notExtensionMember('pg_type', 't.oid')}`,
  ),
]

type Row = {
  name: string
  parent: string | null
  attrs: Record<string, unknown>
  platform: boolean
}

/**
 * The project's objects in the database, by name. Runs inside the caller's transaction (read
 * only, one snapshot: see drift.ts) with an empty search_path, so every name is qualified.
 */
export async function readCatalog(tx: SqlRunner): Promise<Map<string, CatalogObject>> {
  await tx.exec('set local search_path = pg_catalog')
  const found = new Map<string, CatalogObject>()
  for (const query of objects) {
    const rows = await tx.query<Row>(
      `select name, parent, attrs, platform from (${query}) as q(name, parent, attrs, platform)`,
      [platformSchemas],
    )
    for (const row of rows) {
      const attrs: Record<string, string> = {}
      for (const [label, value] of Object.entries(row.attrs ?? {})) {
        if (value !== null && value !== undefined && value !== '') attrs[label] = String(value)
      }
      found.set(row.name, {
        name: row.name,
        ...(row.parent ? { parent: row.parent } : {}),
        ...(row.platform ? { platform: true } : {}),
        attrs,
      })
    }
  }
  for (const query of privileges) {
    const rows = await tx.query<{ name: string; grantee: string; privileges: string }>(query, [
      platformSchemas,
      comparedGrantees,
    ])
    for (const row of rows) {
      const object = found.get(row.name)
      if (object) object.attrs[`grant to ${row.grantee}`] = row.privileges
    }
  }
  return found
}
