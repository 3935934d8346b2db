// A catalog fingerprint: everything a migration can change in the app's schemas, as sorted
// lines of text. Two databases with equal fingerprints have the same tables, columns, types,
// constraints, indexes, policies, grants, functions, triggers and migration history.
// Names only, never OIDs, so databases built apart (or on another lane) compare equal.
import { createHash } from 'node:crypto'
import type { SqlRunner } from '../../src/migrations/sql-runner.ts'

const schemas = `('public', 'private', 'auth')`

/** One query per kind of object; each row is one line `kind  object  details`. */
const parts: Record<string, string> = {
  schema: `select nspname || ' owner=' || nspowner::regrole || ' acl=' || coalesce(nspacl::text, '-')
             || ' comment=' || coalesce(obj_description(oid, 'pg_namespace'), '-')
           from pg_namespace where nspname in ${schemas} or nspname in ('extensions', 'drizzle')`,
  extension: `select extname || ' ' || extversion || ' in ' || extnamespace::regnamespace
              from pg_extension`,
  relation: `select n.nspname || '.' || c.relname || ' kind=' || c.relkind::text
               || ' rls=' || c.relrowsecurity || '/' || c.relforcerowsecurity
               || ' owner=' || c.relowner::regrole || ' acl=' || coalesce(c.relacl::text, '-')
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where n.nspname in ${schemas} and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')`,
  column: `select n.nspname || '.' || c.relname || '.' || a.attname || ' #' || a.attnum
             || ' ' || format_type(a.atttypid, a.atttypmod) || ' notnull=' || a.attnotnull
             || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-')
             || ' generated=' || a.attgenerated::text || ' identity=' || a.attidentity::text
             || ' acl=' || coalesce(a.attacl::text, '-')
           from pg_attribute a join pg_class c on c.oid = a.attrelid
           join pg_namespace n on n.oid = c.relnamespace
           left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
           where n.nspname in ${schemas} and c.relkind in ('r', 'p', 'v', 'm', 'f')
             and a.attnum > 0 and not a.attisdropped`,
  constraint: `select n.nspname || '.' || coalesce(c.relname, t.typname, '-') || ' ' || k.conname
                 || ' ' || pg_get_constraintdef(k.oid)
               from pg_constraint k join pg_namespace n on n.oid = k.connamespace
               left join pg_class c on c.oid = k.conrelid left join pg_type t on t.oid = k.contypid
               where n.nspname in ${schemas}`,
  index: `select pg_get_indexdef(i.indexrelid)
          from pg_index i join pg_class c on c.oid = i.indexrelid
          join pg_namespace n on n.oid = c.relnamespace where n.nspname in ${schemas}`,
  policy: `select schemaname || '.' || tablename || ' "' || policyname || '" ' || permissive
             || ' ' || roles::text || ' ' || cmd || ' using=' || coalesce(qual, '-')
             || ' check=' || coalesce(with_check, '-')
           from pg_policies where schemaname in ${schemas}`,
  function: `select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid)
               || ') returns ' || pg_get_function_result(p.oid) || ' lang=' || l.lanname
               || ' definer=' || p.prosecdef || ' volatility=' || p.provolatile::text
               || ' config=' || coalesce(p.proconfig::text, '-') || ' owner=' || p.proowner::regrole
               || ' acl=' || coalesce(p.proacl::text, '-') || ' body=' || md5(p.prosrc)
             from pg_proc p join pg_namespace n on n.oid = p.pronamespace
             join pg_language l on l.oid = p.prolang
             where n.nspname in ${schemas}
               and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')`,
  trigger: `select pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
            from pg_trigger t join pg_class c on c.oid = t.tgrelid
            join pg_namespace n on n.oid = c.relnamespace
            where n.nspname in ${schemas} and not t.tgisinternal`,
  type: `select n.nspname || '.' || t.typname || ' type=' || t.typtype::text
           || ' labels=' || coalesce((select string_agg(e.enumlabel, ',' order by e.enumsortorder)
                                      from pg_enum e where e.enumtypid = t.oid), '-')
         from pg_type t join pg_namespace n on n.oid = t.typnamespace
         where n.nspname in ${schemas} and t.typtype in ('e', 'd', 'c')
           and not exists (select 1 from pg_class c where c.reltype = t.oid and c.relkind <> 'c')`,
  'default acl': `select coalesce(defaclnamespace::regnamespace::text, '*') || ' '
                    || defaclrole::regrole || ' ' || defaclobjtype::text || ' ' || defaclacl::text
                  from pg_default_acl`,
  migration: `select created_at || ' ' || hash from drizzle.__drizzle_migrations`,
  repeatable: `select name || ' ' || checksum from drizzle.__app_db_repeatable`,
}

/**
 * The fingerprint as sorted lines (compare these: a difference reads as a diff). Runs in a
 * transaction with an empty search_path, so every name in the catalog's text is qualified.
 * A database without drizzle's history tables yet (never migrated) gives no history lines.
 */
export async function catalogFingerprint(db: SqlRunner): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.exec(`set local search_path = pg_catalog`)
    const [history] = await tx.query<{ ok: boolean }>(
      `select to_regclass('drizzle.__app_db_repeatable') is not null as ok`,
    )
    const lines: string[] = []
    for (const [kind, query] of Object.entries(parts)) {
      if ((kind === 'migration' || kind === 'repeatable') && !history?.ok) continue
      const rows = await tx.query<{ line: string }>(`select line from (${query}) as q(line)`)
      for (const row of rows) lines.push(`${kind}  ${row.line}`)
    }
    return lines.sort()
  })
}

export const fingerprintHash = (lines: string[]) =>
  createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16)
