-- Ids and creation times are the server's on every table, as messages' already were: RLS
-- decides which rows a user may write, not their values. Without this a user writing through
-- the API picks ids (squatting on ids others would get, or probing which ids exist: a chosen
-- id answers 23505 when someone else's row has it) and dates (a room dated 2999 stays on top
-- of every list). Each table's access contract (its `serverOwned`) names the fields; this one
-- trigger function sets them, from its arguments `column:value`, when anon or authenticated
-- insert. Server code (service_role, the owner, the SECURITY DEFINER functions) keeps full
-- control, e.g. for imports. embeddings.id is GENERATED ALWAYS (migration access_contract).
create or replace function private.server_owned_fields() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  field text;
  fields jsonb := '{}';
begin
  if current_user not in ('anon', 'authenticated') then
    return new;
  end if;
  foreach field in array tg_argv loop
    fields := fields || pg_catalog.jsonb_build_object(
      pg_catalog.split_part(field, ':', 1),
      case pg_catalog.split_part(field, ':', 2)
        when 'cuid' then pg_catalog.to_jsonb(public.generate_cuid())
        when 'now' then pg_catalog.to_jsonb(pg_catalog.now())
        else 'null'::jsonb
      end);
  end loop;
  return pg_catalog.jsonb_populate_record(new, fields);
end
$$;
--> statement-breakpoint
revoke all on function private.server_owned_fields() from public, anon, authenticated;
--> statement-breakpoint
-- messages: the insert half moves to the shared trigger; what stays is an edit's time.
drop trigger messages_server_fields on public.messages;
--> statement-breakpoint
drop function private.messages_server_fields();
--> statement-breakpoint
create or replace function private.messages_edited_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if current_user in ('anon', 'authenticated')
    and (new.content is distinct from old.content or new.edited_at is distinct from old.edited_at) then
    new.edited_at := pg_catalog.now();
  end if;
  return new;
end
$$;
--> statement-breakpoint
revoke all on function private.messages_edited_at() from public, anon, authenticated;
--> statement-breakpoint
create trigger messages_edited_at before update on public.messages
  for each row execute function private.messages_edited_at();
--> statement-breakpoint
create trigger server_owned_fields before insert on public.general_users
  for each row execute function private.server_owned_fields('created_at:now', 'updated_at:now');
--> statement-breakpoint
create trigger server_owned_fields before insert on public.general_user_profiles
  for each row execute function private.server_owned_fields('created_at:now', 'updated_at:now');
--> statement-breakpoint
create trigger server_owned_fields before insert on public.addresses
  for each row execute function private.server_owned_fields('id:cuid', 'created_at:now', 'updated_at:now');
--> statement-breakpoint
create trigger server_owned_fields before insert on public.organizations
  for each row execute function private.server_owned_fields('id:cuid', 'created_at:now', 'updated_at:now');
--> statement-breakpoint
create trigger server_owned_fields before insert on public.corporate_users
  for each row execute function private.server_owned_fields('created_at:now', 'updated_at:now');
--> statement-breakpoint
create trigger server_owned_fields before insert on public.organization_invitations
  for each row execute function private.server_owned_fields('id:cuid', 'created_at:now');
--> statement-breakpoint
create trigger server_owned_fields before insert on public.chat_rooms
  for each row execute function private.server_owned_fields('id:cuid', 'created_at:now', 'updated_at:now');
--> statement-breakpoint
create trigger server_owned_fields before insert on public.user_chats
  for each row execute function private.server_owned_fields('joined_at:now', 'last_read_at:null');
--> statement-breakpoint
create trigger server_owned_fields before insert on public.messages
  for each row execute function private.server_owned_fields('id:cuid', 'created_at:now', 'edited_at:null');
--> statement-breakpoint
create trigger server_owned_fields before insert on public.virtual_users
  for each row execute function private.server_owned_fields('id:cuid', 'created_at:now', 'updated_at:now');
--> statement-breakpoint
create trigger server_owned_fields before insert on public.virtual_user_profiles
  for each row execute function private.server_owned_fields('created_at:now', 'updated_at:now');
--> statement-breakpoint
create trigger server_owned_fields before insert on public.virtual_user_chats
  for each row execute function private.server_owned_fields('joined_at:now');
--> statement-breakpoint
create trigger server_owned_fields before insert on public.embeddings
  for each row execute function private.server_owned_fields('created_at:now');
