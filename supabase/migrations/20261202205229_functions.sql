-- Captured from packages/db/sql/functions.sql by pnpm db:generate, sha256 0f578deee865abe7c62179ac9396295dbf6c1c07f6cff67ebd85b20469c26903
-- Do not edit: change functions.sql and run pnpm db:generate, which captures it again.

-- functions.sql: repeatable. `pnpm db:migrate` applies it after the migrations whenever this
-- file changed (its checksum is kept in drizzle.__app_db_repeatable) or migrations were applied.
-- Every statement is idempotent. Source of truth for: the vector extension, generate_cuid(),
-- the updated_at trigger and the auth hook (handle_new_user() + trigger on auth.users).
-- The first migration holds a frozen copy of what tables need before they can be created.

-- 1. pgvector, in schema `extensions` as on Supabase (an extension in public is an advisor
-- warning). Connections find its types and operators through the search_path.
create schema if not exists extensions;
create extension if not exists vector with schema extensions;

-- Helpers that no API role may call directly: a schema PostgREST does not expose.
create schema if not exists private;
revoke all on schema private from public;

-- 2. generate_cuid(): collision-resistant text ids: a lowercase letter, then 23 of [a-z0-9]
-- (24 chars, ~110 bits), from sha256 over the clock, the backend pid and a fresh random uuid,
-- so every call (also many in one statement) hashes different input. The hash is written in
-- lower-cased base64 ('+' and '/' mapped to letters): 2.5x faster than a per-byte loop.
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
-- Column defaults call it with the inserting role's rights, so the API roles need it; nobody
-- else does. Without this, PUBLIC's default EXECUTE lets every role of the cluster call it,
-- supabase_auth_admin included (test/reliability/access-hardening.test.ts).
revoke all on function public.generate_cuid() from public;
grant execute on function public.generate_cuid() to anon, authenticated, service_role;

-- 3. updated_at stays true for every writer (PostgREST included, not only Drizzle): a
-- BEFORE UPDATE trigger on every public table that has the column.
create or replace function private.set_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := pg_catalog.now();
  return new;
end
$$;

-- A DO block is code db:check's destructive-change guard cannot read, hence the line below.
-- allow-destructive: only creates or replaces the set_updated_at trigger of each public table that has updated_at; drops and changes no data
do $$
declare
  t record;
begin
  for t in
    select c.relname
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    join pg_catalog.pg_attribute a on a.attrelid = c.oid
    where n.nspname = 'public' and c.relkind in ('r', 'p')
      and a.attname = 'updated_at' and not a.attisdropped
  loop
    execute format(
      'create or replace trigger set_updated_at before update on public.%I '
      'for each row execute function private.set_updated_at()', t.relname);
  end loop;
end
$$;

-- 4. The auth hook. A failing trigger on auth.users blocks every sign-up ("Database error
-- saving new user"), so nothing in the metadata may make it fail: it takes only string
-- values, cleans them, and derives a valid, unique account_name whatever it is given.

-- A metadata value if it is a JSON string, else null (numbers, objects, arrays are ignored).
create or replace function private.meta_text(meta jsonb, key text) returns text
language sql immutable
set search_path = ''
as $$
  select case when pg_catalog.jsonb_typeof(meta -> key) = 'string' then meta ->> key end
$$;

-- A display name at sign-up: private.clean_name (migration clean_names, the one cleaning rule
-- that every later write of a name goes through too), cut to 100 characters, since a sign-up
-- must never fail on its metadata; null when nothing is left.
create or replace function private.clean_display_name(raw text) returns text
language sql immutable
set search_path = ''
as $$
  select nullif(pg_catalog.btrim(pg_catalog.left(private.clean_name(raw), 100)), '')
$$;

-- An account name candidate: lower case, runs of anything but [a-z0-9_] become '_',
-- 3..30 characters; null when too short.
create or replace function private.to_account_name(raw text) returns text
language sql immutable
set search_path = ''
as $$
  select case when pg_catalog.char_length(v) >= 3 then v end
  from (
    select pg_catalog.left(pg_catalog.btrim(
      pg_catalog.regexp_replace(pg_catalog.lower(raw), '[^a-z0-9_]+', '_', 'g'), '_'), 30) as v
  ) as s
$$;

create or replace function public.handle_new_user() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  meta jsonb := case
    when pg_catalog.jsonb_typeof(new.raw_user_meta_data) = 'object' then new.raw_user_meta_data
    else '{}'::jsonb
  end;
  email_name text := nullif(pg_catalog.split_part(coalesce(new.email, ''), '@', 1), '');
  base text;
  display text;
  avatar text;
  candidate text;
  attempts int := 0;
  inserted int;
begin
  base := coalesce(
    private.to_account_name(private.meta_text(meta, 'account_name')),
    private.to_account_name(private.meta_text(meta, 'user_name')),
    private.to_account_name(private.meta_text(meta, 'preferred_username')),
    private.to_account_name(private.meta_text(meta, 'name')),
    private.to_account_name(private.meta_text(meta, 'full_name')),
    private.to_account_name(email_name),
    'user_' || pg_catalog.substr(pg_catalog.md5(new.id::text), 1, 8)
  );
  display := coalesce(
    private.clean_display_name(private.meta_text(meta, 'display_name')),
    private.clean_display_name(private.meta_text(meta, 'full_name')),
    private.clean_display_name(private.meta_text(meta, 'name')),
    private.clean_display_name(private.meta_text(meta, 'user_name')),
    private.clean_display_name(email_name),
    base
  );
  avatar := coalesce(private.meta_text(meta, 'avatar_url'), private.meta_text(meta, 'picture'));
  if avatar !~ '^https?://' or pg_catalog.char_length(avatar) > 2048 then
    avatar := null;
  end if;

  candidate := base;
  loop
    -- No conflict target: a taken account_name and an existing row for this id both land here.
    insert into public.general_users (id, display_name, account_name, avatar_url)
    values (new.id, display, candidate, avatar)
    on conflict do nothing;
    get diagnostics inserted = row_count;
    if inserted > 0 or exists (select 1 from public.general_users where id = new.id) then
      return new;
    end if;
    attempts := attempts + 1;
    if attempts > 50 then
      raise exception 'handle_new_user: no free account_name for user %', new.id;
    end if;
    -- Taken: keep the name recognisable and add a random suffix (≤ 30 characters in all).
    candidate := pg_catalog.left(base, 23) || '_'
      || pg_catalog.substr(pg_catalog.md5(pg_catalog.gen_random_uuid()::text), 1, 6);
  end loop;
end
$$;

revoke all on function public.handle_new_user() from public, anon, authenticated;
-- Only this file's own helpers: the RLS membership helpers (migrations) are callable by
-- authenticated on purpose.
revoke all on function private.meta_text(jsonb, text), private.clean_display_name(text),
  private.to_account_name(text), private.set_updated_at() from public, anon, authenticated;
-- allow-destructive: only grants the auth hook to supabase_auth_admin where that role exists (Supabase); drops and changes no data
do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'supabase_auth_admin') then
    grant execute on function public.handle_new_user() to supabase_auth_admin;
  end if;
end
$$;

create or replace trigger auth_hook
after insert on auth.users
for each row execute function public.handle_new_user();

-- A request's transaction left idle (a client stuck mid-request) is ended by the server rather
-- than holding a pooled server connection. PostgREST applies a role's settings to each of its
-- transactions; rls() sets the same per transaction (SET ROLE does not read role settings).
alter role anon set idle_in_transaction_session_timeout = '60s';
alter role authenticated set idle_in_transaction_session_timeout = '60s';

-- For supabase-js (`supabase.rpc('match_my_embeddings', { query_embedding, match_count })`): the
-- caller's nearest embeddings. SECURITY INVOKER, so the embeddings policies decide what it sees
-- (a user's own rows; nothing for anyone else), with searchEmbeddings()'s HNSW settings: the
-- index plan pinned, iterative scan while RLS filters candidates out, then exact re-ordering.
create or replace function public.match_my_embeddings(
  query_embedding extensions.vector(1536),
  match_count integer default 10
)
returns table (id integer, content text, distance double precision)
language sql
stable
security invoker
set search_path = ''
set hnsw.ef_search = 100
set hnsw.iterative_scan = relaxed_order
set enable_seqscan = off
as $$
  select n.id, n.content, n.distance
  from (
    select e.id, e.content, e.embedding operator(extensions.<=>) query_embedding as distance
    from public.embeddings e
    order by e.embedding operator(extensions.<=>) query_embedding
    limit least(greatest(coalesce(match_count, 10), 1), 100)
  ) n
  order by n.distance, n.id
$$;
revoke all on function public.match_my_embeddings(extensions.vector, integer) from public, anon;
grant execute on function public.match_my_embeddings(extensions.vector, integer) to authenticated,
  service_role;
