-- Prerequisites of the table migrations, so that supabase/migrations alone loads in filename
-- order, on a plain server prepared by supabase-env.sql and on a real Supabase database:
-- the vector type and generate_cuid() (a column default) must exist before any table.
-- packages/db/sql/functions.sql is the source of truth for both and re-declares them; this
-- is a frozen copy, like every migration.
create schema if not exists extensions;
--> statement-breakpoint
create extension if not exists vector with schema extensions;
--> statement-breakpoint
create schema if not exists private;
--> statement-breakpoint
revoke all on schema private from public;
--> statement-breakpoint
create or replace function public.generate_cuid() returns text
language sql
volatile
parallel safe
set search_path = ''
as $$
  select pg_catalog.chr(97 + pg_catalog.get_byte(h, 0) % 26)
    || pg_catalog.substr(
      pg_catalog.translate(pg_catalog.lower(pg_catalog.encode(h, 'base64')), '+/', 'xy'), 3, 23)
  from (
    select pg_catalog.sha256(pg_catalog.convert_to(
      pg_catalog.clock_timestamp()::text || pg_catalog.pg_backend_pid()::text
        || pg_catalog.gen_random_uuid()::text, 'UTF8')) as h
  ) as s
$$;
