-- Room membership rules that a policy cannot state, for every path in (the query functions,
-- PostgREST, server code):
--  * a PRIVATE room's members are the two people its pair_key names, nobody else (all
--    writers: the pair key is the room's identity);
--  * a member who left by themselves stays out: only they can rejoin (the creator, who adds
--    members without asking, cannot put them back; server code can);
--  * deleting a PRIVATE room, as an API role, removes it for the one who deletes it: they
--    leave, and the other person keeps the room and every message. The room itself goes when
--    nobody is left in it.
-- SECURITY DEFINER: they read rooms and departures the caller's policies hide. Trigger
-- functions: nobody calls them directly.
create or replace function private.user_chats_membership() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  room_type public.chat_room_type;
  pair text;
begin
  select r.type, r.pair_key into room_type, pair from public.chat_rooms r where r.id = new.chat_room_id;
  if room_type = 'PRIVATE'
    and new.user_id::text not in (pg_catalog.split_part(pair, ':', 1), pg_catalog.split_part(pair, ':', 2)) then
    raise exception 'a private room holds only the two people its pair_key names'
      using errcode = '23514';
  end if;
  if pg_catalog.current_setting('role') in ('anon', 'authenticated')
    and new.user_id is distinct from (select auth.uid())
    and exists (select 1 from private.chat_room_departures d
                where d.chat_room_id = new.chat_room_id and d.user_id = new.user_id) then
    raise exception 'this person left the room: only they can rejoin it' using errcode = '42501';
  end if;
  return new;
end
$$;
--> statement-breakpoint
create trigger user_chats_membership before insert or update of chat_room_id, user_id
  on public.user_chats for each row execute function private.user_chats_membership();
--> statement-breakpoint
-- Joining clears a departure; leaving by oneself records one. A removal by someone else, or a
-- cascade (the room or the account deleted: its row is gone by now), records nothing.
create or replace function private.user_chats_departures() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    delete from private.chat_room_departures d
      where d.chat_room_id = new.chat_room_id and d.user_id = new.user_id;
  elsif old.user_id = (select auth.uid())
    and exists (select 1 from public.chat_rooms r where r.id = old.chat_room_id)
    and exists (select 1 from public.general_users u where u.id = old.user_id) then
    insert into private.chat_room_departures (chat_room_id, user_id)
      values (old.chat_room_id, old.user_id) on conflict do nothing;
  end if;
  return null;
end
$$;
--> statement-breakpoint
create trigger user_chats_departures after insert or delete on public.user_chats
  for each row execute function private.user_chats_departures();
--> statement-breakpoint
create or replace function private.chat_rooms_private_delete_leaves() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
begin
  if old.type <> 'PRIVATE' or pg_catalog.current_setting('role') not in ('anon', 'authenticated') then
    return old;
  end if;
  delete from public.user_chats uc where uc.chat_room_id = old.id and uc.user_id = me;
  if exists (select 1 from public.user_chats uc where uc.chat_room_id = old.id) then
    insert into private.chat_room_departures (chat_room_id, user_id)
      values (old.id, me) on conflict do nothing;
    return null; -- the other person keeps the room
  end if;
  return old;
end
$$;
--> statement-breakpoint
create trigger chat_rooms_private_delete_leaves before delete on public.chat_rooms
  for each row execute function private.chat_rooms_private_delete_leaves();
--> statement-breakpoint
revoke all on function private.user_chats_membership(), private.user_chats_departures(),
  private.chat_rooms_private_delete_leaves() from public, anon, authenticated;
