-- A Supabase-shaped environment for plain PostgreSQL and PGlite: Supabase's API roles, the
-- `auth` schema with `auth.users`, and the auth.* helper functions with Supabase's semantics.
--
-- Never for a real Supabase database: `pnpm db:migrate` applies this file only where schema
-- `auth` does not exist, or was made by this file (see the comment on schema auth below).
-- Idempotent. Roles are cluster-wide on a server: created only when missing, never dropped.
-- Needs a superuser (BYPASSRLS roles and role membership).

-- Roles. NOLOGIN here: on a shared server with trust auth a LOGIN `authenticator` would let
-- anyone on the machine become service_role. Supabase's own authenticator logs in.
do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated', 'service_role', 'supabase_auth_admin', 'authenticator'] loop
    if not exists (select 1 from pg_catalog.pg_roles where rolname = r) then
      begin
        execute format('create role %I nologin', r);
      exception when duplicate_object or unique_violation then
        null; -- another session created it at the same moment
      end;
    end if;
  end loop;
  if not (select rolbypassrls from pg_catalog.pg_roles where rolname = 'service_role') then
    alter role service_role bypassrls;
  end if;
  -- Supabase's attributes: the API roles inherit, Auth's and PostgREST's login roles do not.
  alter role anon inherit;
  alter role authenticated inherit;
  alter role service_role inherit;
  alter role authenticator noinherit;
  alter role supabase_auth_admin noinherit;
  -- The connecting role and PostgREST's authenticator may SET ROLE to the API roles. Not to
  -- supabase_auth_admin: on Supabase `postgres` is no longer a member of it (nor should a
  -- migration need to be), so an earlier version's grant is taken back.
  if not pg_catalog.pg_has_role(current_user, 'authenticated', 'MEMBER') then
    execute format('grant anon, authenticated, service_role to %I', current_user);
  end if;
  if exists (select 1 from pg_catalog.pg_auth_members m
             where m.roleid = 'supabase_auth_admin'::regrole and m.member = current_user::regrole) then
    execute format('revoke supabase_auth_admin from %I', current_user);
  end if;
  if not pg_catalog.pg_has_role('authenticator', 'authenticated', 'MEMBER') then
    grant anon, authenticated, service_role to authenticator;
  end if;
end
$$;

-- Schemas and Supabase's grants: the API roles reach `public` and `extensions`; what they may
-- do with a table is then decided by its row level security policies.
create schema if not exists extensions;
grant usage on schema public, extensions to anon, authenticated, service_role;
-- Supabase's default privileges, set once: the migrations narrow them (least_privilege_grants
-- revokes the API roles' table and sequence defaults), and running this file again after a
-- change must not widen them back.
do $$
begin
  if not exists (select 1 from pg_catalog.pg_default_acl d
                 where d.defaclrole = current_user::regrole
                   and d.defaclnamespace = 'public'::regnamespace) then
    alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
    alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
    alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
  end if;
end
$$;

-- Supabase puts extensions on the search path of every connection.
do $$
begin
  execute format('alter database %I set search_path = "$user", public, extensions', current_database());
end
$$;

create schema if not exists auth;
comment on schema auth is 'app-db: Supabase-shaped auth schema for plain Postgres (packages/db/sql/supabase-env.sql)';
grant usage on schema auth to anon, authenticated, service_role, supabase_auth_admin;

-- Supabase Auth's auth.users, as GoTrue's migrations leave it: no defaults on id and the
-- timestamps (GoTrue writes them), one account per email among non-SSO users, unique
-- one-time tokens, RLS on, owned by supabase_auth_admin. Tests act as GoTrue does: as
-- supabase_auth_admin, writing every column it writes.
create table if not exists auth.users (
  instance_id uuid,
  id uuid not null primary key,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  confirmation_sent_at timestamptz,
  recovery_token varchar(255),
  recovery_sent_at timestamptz,
  email_change_token_new varchar(255),
  email_change varchar(255),
  email_change_sent_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz,
  phone text unique default null,
  phone_confirmed_at timestamptz,
  phone_change text default '',
  phone_change_token varchar(255) default '',
  phone_change_sent_at timestamptz,
  confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
  email_change_token_current varchar(255) default '',
  email_change_confirm_status smallint default 0
    check (email_change_confirm_status >= 0 and email_change_confirm_status <= 2),
  banned_until timestamptz,
  reauthentication_token varchar(255) default '',
  reauthentication_sent_at timestamptz,
  is_sso_user boolean not null default false,
  deleted_at timestamptz,
  is_anonymous boolean not null default false
);
-- A stand-in made by an earlier version of this file had these defaults.
alter table auth.users alter column id drop default, alter column created_at drop default,
  alter column updated_at drop default;
drop index if exists auth.users_email_idx;
create unique index if not exists users_email_partial_key on auth.users (email)
  where (is_sso_user = false);
-- A token of only digits and spaces is "none" to GoTrue; any other is unique.
create unique index if not exists confirmation_token_idx on auth.users (confirmation_token)
  where confirmation_token !~ '^[0-9 ]*$';
create unique index if not exists recovery_token_idx on auth.users (recovery_token)
  where recovery_token !~ '^[0-9 ]*$';
create unique index if not exists email_change_token_current_idx
  on auth.users (email_change_token_current) where email_change_token_current !~ '^[0-9 ]*$';
create unique index if not exists email_change_token_new_idx
  on auth.users (email_change_token_new) where email_change_token_new !~ '^[0-9 ]*$';
create unique index if not exists reauthentication_token_idx
  on auth.users (reauthentication_token) where reauthentication_token !~ '^[0-9 ]*$';
create index if not exists users_instance_id_idx on auth.users (instance_id);
create index if not exists users_instance_id_email_idx on auth.users (instance_id, lower(email));
create index if not exists users_is_anonymous_idx on auth.users (is_anonymous);
alter table auth.users enable row level security;
alter table auth.users owner to supabase_auth_admin;

-- A user's sign-in methods (email, OAuth providers): GoTrue inserts one with every user.
create table if not exists auth.identities (
  provider_id text not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  identity_data jsonb not null,
  provider text not null,
  last_sign_in_at timestamptz,
  created_at timestamptz,
  updated_at timestamptz,
  email text generated always as (lower(identity_data ->> 'email')) stored,
  id uuid not null default gen_random_uuid() primary key,
  constraint identities_provider_id_provider_unique unique (provider_id, provider)
);
create index if not exists identities_user_id_idx on auth.identities (user_id);
create index if not exists identities_email_idx on auth.identities (email text_pattern_ops);
alter table auth.identities enable row level security;
alter table auth.identities owner to supabase_auth_admin;

-- As on Supabase: the API roles cannot read Auth's tables; the migrating role holds the table
-- privileges hosted `postgres` holds (all of them, without being supabase_auth_admin).
revoke all on auth.users, auth.identities from anon, authenticated, service_role;
do $$
begin
  execute format('grant all on auth.users, auth.identities to %I', current_user);
end
$$;

-- Supabase's definitions: claims come from `request.jwt.claim.<name>` (older PostgREST) or
-- the `request.jwt.claims` JSON. An empty setting means "unset": after a transaction that set
-- it, Postgres (and PGlite) reads '' rather than NULL.
create or replace function auth.uid() returns uuid
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

create or replace function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
  to anon, authenticated, service_role, supabase_auth_admin;

-- Supabase Realtime's part of the database, as its tenant migrations leave it (the names,
-- columns, grants and function signatures of supabase/realtime's tenant schema), so that the
-- same migrations (policies on realtime.messages, broadcast triggers) run here as on Supabase.
-- On Supabase, Realtime creates and owns all of this; this file never runs there.
do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'supabase_realtime_admin') then
    begin
      create role supabase_realtime_admin nologin noinherit;
    exception when duplicate_object or unique_violation then
      null;
    end;
  end if;
end
$$;
create schema if not exists realtime;
comment on schema realtime is 'app-db: Supabase-shaped realtime schema for plain Postgres (packages/db/sql/supabase-env.sql)';
grant usage on schema realtime to anon, authenticated, service_role;

-- What Realtime authorizes private channels against, and what database broadcasts are written
-- to (Realtime reads new rows through logical replication). Partitioned by day on Supabase,
-- where Realtime creates each day's partition; a broadcast with no partition for its day fails
-- (and realtime.send() turns that into a WARNING). Here one DEFAULT partition stands in for them.
create table if not exists realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp not null default now(),
  inserted_at timestamp not null default now(),
  id uuid not null default gen_random_uuid(),
  binary_payload bytea,
  constraint messages_pkey primary key (id, inserted_at),
  constraint messages_payload_exclusive check (payload is null or binary_payload is null)
) partition by range (inserted_at);
create index if not exists messages_inserted_at_topic_index on realtime.messages
  (inserted_at desc, topic) where extension = 'broadcast' and private is true;
create table if not exists realtime.messages_stand_in partition of realtime.messages default;
alter table realtime.messages enable row level security;
alter table realtime.messages owner to supabase_realtime_admin;
alter table realtime.messages_stand_in owner to supabase_realtime_admin;
-- Supabase's grants: what a user may do is left to the policies the project writes.
grant select, insert, update on realtime.messages to anon, authenticated, service_role;

-- The channel being authorized: Realtime sets `realtime.topic` before it asks the policies.
create or replace function realtime.topic() returns text
language sql stable
as $$
  select nullif(current_setting('realtime.topic', true), '')::text;
$$;

-- A broadcast from the database. Like Supabase's, it never fails its caller: an error becomes
-- a WARNING in the server log and the broadcast is lost.
create or replace function realtime.send(payload jsonb, event text, topic text, private boolean default true)
returns void
language plpgsql
as $$
declare
  generated_id uuid;
  final_payload jsonb;
begin
  begin
    generated_id := gen_random_uuid();
    if payload ? 'id' then
      final_payload := payload;
    else
      final_payload := jsonb_set(payload, '{id}', to_jsonb(generated_id));
    end if;
    execute format('SET LOCAL realtime.topic TO %L', topic);
    insert into realtime.messages (id, payload, event, topic, private, extension)
    values (generated_id, final_payload, event, topic, private, 'broadcast');
  exception
    when others then
      raise warning 'WarnSendingBroadcastMessage: %', sqlerrm;
  end;
end;
$$;

-- Supabase's trigger helper for row changes (its payload is the whole row, old and new).
create or replace function realtime.broadcast_changes(topic_name text, event_name text,
  operation text, table_name text, table_schema text, new record, old record,
  level text default 'ROW')
returns void
language plpgsql
as $$
declare
  row_data jsonb := '{}'::jsonb;
begin
  if level = 'STATEMENT' then
    raise exception 'function can only be triggered for each row, not for each statement';
  end if;
  if operation = 'INSERT' or operation = 'UPDATE' or operation = 'DELETE' then
    row_data := jsonb_build_object('old_record', old, 'record', new, 'operation', operation,
      'table', table_name, 'schema', table_schema);
    perform realtime.send(row_data, event_name, topic_name);
  else
    raise exception 'Unexpected operation type: %', operation;
  end if;
exception
  when others then
    raise exception 'Failed to process the row: %', sqlerrm;
end;
$$;

alter function realtime.topic() owner to supabase_realtime_admin;
alter function realtime.send(jsonb, text, text, boolean) owner to supabase_realtime_admin;
alter function realtime.broadcast_changes(text, text, text, text, text, record, record, text)
  owner to supabase_realtime_admin;
