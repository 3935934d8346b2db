// Type-checked by `pnpm typecheck` (never run): supabase-js with the generated Database type
// accepts the schema's real columns and insert shapes, and refuses wrong ones.
import { createClient } from '@supabase/supabase-js'
import { parseRoomBroadcast, type RoomBroadcast, roomTopic } from '../../src/realtime.ts'
import type { Database } from '../../src/supabase/database.types.ts'

const supabase = createClient<Database>('http://127.0.0.1:54321', 'anon-key')

export async function usage() {
  const { data: rooms } = await supabase.from('chat_rooms').select('id, name, type')
  const first: { id: string; name: string | null; type: 'PRIVATE' | 'GROUP' } | undefined =
    rooms?.[0]
  void first

  const { data: titles } = await supabase.from('chat_rooms').select('title')
  // @ts-expect-error: chat_rooms has no column "title" (supabase-js types it as an error)
  const title: string | undefined = titles?.[0]?.title
  void title

  await supabase.from('messages').insert({ chat_room_id: 'ck…', content: 'hi' })
  // @ts-expect-error: content is a string
  await supabase.from('messages').insert({ chat_room_id: 'ck…', content: 42 })
  // @ts-expect-error: a message needs its room
  await supabase.from('messages').insert({ content: 'hi' })

  const { data: embedding } = await supabase.from('embeddings').select('embedding').single()
  // Vectors arrive as PostgREST sends them: text.
  const text: string | undefined = embedding?.embedding
  void text

  // Generated and identity columns are the server's: never written.
  await supabase
    .from('embeddings')
    // @ts-expect-error: content_hash is GENERATED ALWAYS
    .insert({ user_id: 'u', content: 'c', embedding: '[0]', content_hash: 'x' })

  // @ts-expect-error: there is no such table
  await supabase.from('nope').select('*')
}

// The README's live-chat subscription, exactly: a room's private channel with the user's
// session, each database broadcast parsed into a typed change.
export function subscribeToRoom(roomId: string, render: (change: RoomBroadcast) => void) {
  const channel = supabase
    .channel(roomTopic(roomId), { config: { private: true } })
    .on('broadcast', { event: '*' }, (message) => {
      const change = parseRoomBroadcast(message)
      if (!change) return // a client broadcast, or anything else on the channel
      if (change.event === 'message_created' || change.event === 'message_edited') {
        const sentAt: Date = change.payload.createdAt
        void sentAt
      }
      // @ts-expect-error: a deletion carries only the ids
      void (change.event === 'message_deleted' && change.payload.content)
      render(change)
    })
    .subscribe()
  return () => supabase.removeChannel(channel)
}
