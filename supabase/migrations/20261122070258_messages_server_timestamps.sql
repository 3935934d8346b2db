-- A message's id and times are the server's, whoever writes it. RLS decides which rows a user
-- may write, not their values, and column grants cannot help here (Drizzle lists every column
-- in its INSERT). Without this a user writing through the API could date a message 2999: it
-- would stay the room's newest, and unread, forever. Server code (service_role, the owner)
-- keeps full control, e.g. for imports.
create or replace function private.messages_server_fields() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if current_user not in ('anon', 'authenticated') then
    return new;
  end if;
  if tg_op = 'INSERT' then
    new.id := public.generate_cuid();
    new.created_at := pg_catalog.now();
    new.edited_at := null;
  elsif new.content is distinct from old.content or new.edited_at is distinct from old.edited_at then
    new.edited_at := pg_catalog.now();
  end if;
  return new;
end
$$;
--> statement-breakpoint
revoke all on function private.messages_server_fields() from public, anon, authenticated;
--> statement-breakpoint
create trigger messages_server_fields before insert or update on public.messages
  for each row execute function private.messages_server_fields();
