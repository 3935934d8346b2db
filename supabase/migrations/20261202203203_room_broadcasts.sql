-- Live chat through Supabase Realtime: every change a room's members should see is broadcast
-- from the database to the room's private channel `room:<room id>` (policies on
-- realtime.messages, migration room_channels, decide who may join it). Broadcast, not
-- postgres_changes: one message per change, authorized once per channel join rather than
-- per subscriber and row.
-- A broadcast never blocks the write: realtime.send() already turns its own errors into a
-- WARNING, and anything else (no realtime.send at all, say) is caught the same way, by the one
-- function every trigger sends through.
-- SECURITY DEFINER: the writer may not be a member any more (a member leaving, server code),
-- and only the database's own broadcasts may skip the channel's policies.
-- Payloads hold only what a member can read through the tables, named as the DTOs are.
-- A bulk load (db:seed) sets `app_db.broadcasts = off` for its own transaction: nobody can be
-- subscribed to rooms that did not exist yet, and a million broadcasts would only fill
-- realtime.messages. A session can silence only its own writes this way.

-- The one way the triggers broadcast. Not SECURITY DEFINER itself and callable by no API role
-- (a user calling it could post into any room): the triggers call it as their owner.
create or replace function private.broadcast_to_room(room_id text, event text, payload jsonb)
returns void
language plpgsql set search_path = ''
as $$
begin
  if pg_catalog.current_setting('app_db.broadcasts', true) = 'off' then
    return;
  end if;
  perform realtime.send(payload, event, 'room:' || room_id, true);
exception when others then
  raise warning 'broadcast of % to room % failed (%): %', event, room_id, sqlstate, sqlerrm;
end
$$;
--> statement-breakpoint
create or replace function private.broadcast_message_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'DELETE' or (tg_op = 'UPDATE' and old.chat_room_id is distinct from new.chat_room_id) then
    perform private.broadcast_to_room(old.chat_room_id, 'message_deleted',
      pg_catalog.jsonb_build_object('id', old.id, 'chatRoomId', old.chat_room_id));
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    perform private.broadcast_to_room(new.chat_room_id,
      case when tg_op = 'UPDATE' and old.chat_room_id = new.chat_room_id
           then 'message_edited' else 'message_created' end,
      pg_catalog.jsonb_build_object(
        'id', new.id,
        'chatRoomId', new.chat_room_id,
        'senderUserId', new.sender_user_id,
        'senderVirtualUserId', new.sender_virtual_user_id,
        'content', new.content,
        'createdAt', new.created_at,
        'editedAt', new.edited_at));
  end if;
  return null;
end
$$;
--> statement-breakpoint
create trigger messages_broadcast after insert or delete on public.messages
  for each row execute function private.broadcast_message_change();
--> statement-breakpoint
create trigger messages_broadcast_edits after update on public.messages
  for each row when (old.* is distinct from new.*)
  execute function private.broadcast_message_change();
--> statement-breakpoint
-- A member joining or leaving, so that clients can update the member list without reloading.
create or replace function private.broadcast_membership_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform private.broadcast_to_room(new.chat_room_id, 'member_joined',
      pg_catalog.jsonb_build_object('chatRoomId', new.chat_room_id, 'userId', new.user_id,
        'joinedAt', new.joined_at));
  else
    perform private.broadcast_to_room(old.chat_room_id, 'member_left',
      pg_catalog.jsonb_build_object('chatRoomId', old.chat_room_id, 'userId', old.user_id));
  end if;
  return null;
end
$$;
--> statement-breakpoint
create trigger user_chats_broadcast after insert or delete on public.user_chats
  for each row execute function private.broadcast_membership_change();
--> statement-breakpoint
revoke all on function private.broadcast_to_room(text, text, jsonb),
  private.broadcast_message_change(), private.broadcast_membership_change()
  from public, anon, authenticated;
