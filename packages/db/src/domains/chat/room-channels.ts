// A chat room's private Realtime channel, `room:<room id>`: who may join it is asked of the
// database. Realtime authorizes a private channel by writing rows for its topic into
// realtime.messages and checking them as the user (SELECT: may receive; INSERT: may send
// client broadcasts and presence), with `realtime.topic()` set to the channel.
import { type SQL, sql } from 'drizzle-orm'
import { pgPolicy } from 'drizzle-orm/pg-core'
import { authenticatedRole, realtimeMessages } from 'drizzle-orm/supabase'
import { inMyRooms } from '../../schema-kit/policies.ts'
import { roomTopicPrefix } from './room-broadcasts.ts'

// The room a row's own topic names (not realtime.topic(), which a session can set to anything:
// a row for another room's topic must not pass because the setting names one's own room).
const roomOfTopic: SQL = sql`case when starts_with(${realtimeMessages.topic}, ${sql.raw(`'${roomTopicPrefix}'`)}) then substr(${realtimeMessages.topic}, ${sql.raw(String(roomTopicPrefix.length + 1))}) end`
const memberChannel: SQL = sql`${realtimeMessages.extension} in ('broadcast', 'presence') and ${inMyRooms(roomOfTopic)}`

// Anon and strangers get nothing: no policy names them, and RLS hides every row.
export const roomChannelReceive = pgPolicy('members can receive the broadcasts of their rooms', {
  for: 'select',
  to: authenticatedRole,
  using: memberChannel,
}).link(realtimeMessages)

export const roomChannelSend = pgPolicy('members can broadcast and share presence in their rooms', {
  for: 'insert',
  to: authenticatedRole,
  withCheck: memberChannel,
}).link(realtimeMessages)
