// What a room's private Realtime channel carries, for the client that subscribes to it: the
// topic's name and the typed payload of each database broadcast (migration room_broadcasts).
// Zod only, no driver: a browser bundle can import it (`@app/db/realtime`).
import { z } from 'zod'
import { cuidSchema, userIdSchema, validate } from '../../dto-kit/validation.ts'

/** The prefix of a room's topic; the rest of the topic is the room's id. */
export const roomTopicPrefix = 'room:'

export type RoomTopic = `${typeof roomTopicPrefix}${string}`

/** The private channel of a room: `supabase.channel(roomTopic(id), { config: { private: true } })`. */
export function roomTopic(roomId: string): RoomTopic {
  return `${roomTopicPrefix}${validate(cuidSchema, roomId)}`
}

// Timestamps arrive as JSON strings with an offset (Postgres' ISO 8601): parsed to Dates, so a
// broadcast message has the same shape as the Message DTO a query returns.
const timestamp = z.iso.datetime({ offset: true }).transform((text) => new Date(text))

/** A new or edited message: every column a member can read, named as the Message DTO. */
export const broadcastMessageSchema = z.object({
  id: cuidSchema,
  chatRoomId: cuidSchema,
  senderUserId: userIdSchema.nullable(),
  senderVirtualUserId: cuidSchema.nullable(),
  content: z.string(),
  createdAt: timestamp,
  editedAt: timestamp.nullable(),
})

const roomRef = { chatRoomId: cuidSchema }

export const roomBroadcastSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('message_created'), payload: broadcastMessageSchema }),
  z.object({ event: z.literal('message_edited'), payload: broadcastMessageSchema }),
  z.object({
    event: z.literal('message_deleted'),
    payload: z.object({ id: cuidSchema, ...roomRef }),
  }),
  z.object({
    event: z.literal('member_joined'),
    payload: z.object({ ...roomRef, userId: userIdSchema, joinedAt: timestamp }),
  }),
  z.object({
    event: z.literal('member_left'),
    payload: z.object({ ...roomRef, userId: userIdSchema }),
  }),
])

/** One change the database broadcast to a room, parsed. */
export type RoomBroadcast = z.infer<typeof roomBroadcastSchema>
export type RoomBroadcastEvent = RoomBroadcast['event']

/**
 * A broadcast received on a room's channel (supabase-js's `{ event, payload }`) as a typed
 * change; null for anything else on the channel (a client broadcast, a malformed payload).
 * Members may also send on the channel, so a payload is as trustworthy as the room's members:
 * render it, but read the table (listMessages) where authorship must be certain.
 */
export function parseRoomBroadcast(message: {
  event: string
  payload?: unknown
}): RoomBroadcast | null {
  const parsed = roomBroadcastSchema.safeParse({ event: message.event, payload: message.payload })
  return parsed.success ? parsed.data : null
}
