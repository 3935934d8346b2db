-- Who left which room by themselves. A room's creator adds members without asking them, so
-- without this record a member who left could be put straight back against their will. The
-- record lets them, and only them, rejoin. It lives in schema private: no API role reads it;
-- the policies ask the SECURITY DEFINER helper below, one call per statement.
create table private.chat_room_departures (
  chat_room_id text not null references public.chat_rooms (id) on delete cascade,
  user_id uuid not null references public.general_users (id) on delete cascade,
  left_at timestamp (3) with time zone not null default pg_catalog.now(),
  primary key (chat_room_id, user_id)
);
--> statement-breakpoint
create index chat_room_departures_user_id_idx on private.chat_room_departures (user_id);
--> statement-breakpoint
revoke all on private.chat_room_departures from public, anon, authenticated;
--> statement-breakpoint
create or replace function private.my_departed_room_ids() returns setof text
language plpgsql stable security definer set search_path = ''
rows 10
as $$
begin
  return query select d.chat_room_id from private.chat_room_departures d
    where d.user_id = (select auth.uid());
end
$$;
--> statement-breakpoint
revoke all on function private.my_departed_room_ids() from public, anon;
--> statement-breakpoint
grant execute on function private.my_departed_room_ids() to authenticated;
