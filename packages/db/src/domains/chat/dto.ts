import { z } from 'zod'
import { tableSchemas } from '../../dto-kit/table-schemas.ts'
import {
  cuidSchema,
  displayNameSchema,
  trimmedText,
  userIdSchema,
} from '../../dto-kit/validation.ts'
import type { ChatRoomType } from '../../schema-kit/enums.ts'
import { nameLength } from '../../schema-kit/lengths.ts'
import { chatRooms } from './chat-rooms.ts'
import { messageContentLength, messages } from './messages.ts'
import { userChats } from './user-chats.ts'

/** The DTO stores the trimmed text, so the stored length is the checked one. */
export const messageContentSchema = trimmedText(messageContentLength)

/** A GROUP room's name: not blank, at most 100 characters. */
export const groupNameSchema = displayNameSchema

type Issues = Pick<z.RefinementCtx, 'addIssue'>

// On an update a column left out keeps its stored value, which the DTO cannot see: a rule over
// two columns is judged only when the update sets both.

type RoomColumns = { type?: ChatRoomType; name?: string | null; pairKey?: string | null }

function checkRoom(room: RoomColumns, ctx: Issues) {
  if (room.type === 'GROUP' && room.name !== undefined && !room.name) {
    ctx.addIssue({ code: 'custom', path: ['name'], message: 'A group room needs a name' })
  }
  if (
    room.type !== undefined &&
    room.pairKey !== undefined &&
    (room.type === 'PRIVATE') !== (room.pairKey !== null)
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['pairKey'],
      message: 'A PRIVATE room has a pair key and a GROUP room has none',
    })
  }
}

type SenderColumns = { senderUserId?: string | null; senderVirtualUserId?: string | null }

function checkSender(message: SenderColumns, ctx: Issues) {
  const { senderUserId, senderVirtualUserId } = message
  if (senderUserId === undefined || senderVirtualUserId === undefined) return
  if ((senderUserId === null) === (senderVirtualUserId === null)) {
    ctx.addIssue({
      code: 'custom',
      path: ['senderUserId'],
      message: 'Exactly one of senderUserId and senderVirtualUserId is set',
    })
  }
}

// chat_rooms

const chatRoomFields = {
  id: () => cuidSchema,
  // Blank is allowed here (PRIVATE rooms); checkRoom requires a name of GROUP rooms.
  name: () => trimmedText({ max: nameLength.max }),
}

const chatRoomSchemas = tableSchemas(chatRooms, chatRoomFields)
export const chatRoomSelectSchema = chatRoomSchemas.select.superRefine(checkRoom)
// An insert that leaves a column out stores null.
export const chatRoomInsertSchema = chatRoomSchemas.insert.superRefine((room, ctx) =>
  checkRoom({ ...room, name: room.name ?? null, pairKey: room.pairKey ?? null }, ctx),
)
export const chatRoomUpdateSchema = chatRoomSchemas.update.superRefine(checkRoom)

export type ChatRoom = z.infer<typeof chatRoomSelectSchema>
export type NewChatRoom = z.infer<typeof chatRoomInsertSchema>
export type ChatRoomUpdate = z.infer<typeof chatRoomUpdateSchema>

// user_chats

const userChatFields = { chatRoomId: () => cuidSchema }

export const {
  select: userChatSelectSchema,
  insert: userChatInsertSchema,
  update: userChatUpdateSchema,
} = tableSchemas(userChats, userChatFields)

export type UserChat = z.infer<typeof userChatSelectSchema>
export type NewUserChat = z.infer<typeof userChatInsertSchema>
export type UserChatUpdate = z.infer<typeof userChatUpdateSchema>

// messages

const messageFields = {
  id: () => cuidSchema,
  chatRoomId: () => cuidSchema,
  senderVirtualUserId: () => cuidSchema,
  content: () => messageContentSchema,
}

const messageSchemas = tableSchemas(messages, messageFields)
export const messageSelectSchema = messageSchemas.select.superRefine(checkSender)
export const messageInsertSchema = messageSchemas.insert.superRefine((message, ctx) =>
  checkSender(
    {
      senderUserId: message.senderUserId ?? null,
      senderVirtualUserId: message.senderVirtualUserId ?? null,
    },
    ctx,
  ),
)
export const messageUpdateSchema = messageSchemas.update.superRefine(checkSender)

export type Message = z.infer<typeof messageSelectSchema>
export type NewMessage = z.infer<typeof messageInsertSchema>
export type MessageUpdate = z.infer<typeof messageUpdateSchema>

// API inputs. The acting user is the session's, so no input names a sender or a creator.

export const sendMessageInput = z.strictObject({
  roomId: cuidSchema,
  content: messageContentSchema,
})
export type SendMessageInput = z.infer<typeof sendMessageInput>

export const editMessageInput = z.strictObject({ id: cuidSchema, content: messageContentSchema })
export type EditMessageInput = z.infer<typeof editMessageInput>

/** One message of the acting user (delete). */
export const messageIdInput = z.strictObject({ id: cuidSchema })
export type MessageIdInput = z.infer<typeof messageIdInput>

/** One room the acting user is (or was) in: mark it read, leave it, rejoin it. */
export const roomInput = z.strictObject({ roomId: cuidSchema })
export type RoomInput = z.infer<typeof roomInput>

/** Members besides the creator, who joins anyway; a uuid listed twice would be a duplicate key. */
export const createGroupRoomInput = z.strictObject({
  name: groupNameSchema,
  memberIds: z
    .array(userIdSchema)
    .max(100)
    .superRefine((ids, ctx) => {
      // Postgres reads uuids case-insensitively, so `A…` and `a…` are the same member.
      const seen = new Set<string>()
      ids.forEach((id, index) => {
        const key = id.toLowerCase()
        if (seen.has(key)) {
          ctx.addIssue({ code: 'custom', path: [index], message: 'Listed more than once' })
        }
        seen.add(key)
      })
    }),
})
export type CreateGroupRoomInput = z.infer<typeof createGroupRoomInput>

export const openPrivateRoomInput = z.strictObject({ otherUserId: userIdSchema })
export type OpenPrivateRoomInput = z.infer<typeof openPrivateRoomInput>

/** The last message of the previous page: pages are keyset on (created_at, id), newest first. */
export const messageCursorSchema = z.strictObject({
  createdAt: z.coerce.date(),
  id: cuidSchema,
})
export type MessageCursor = z.infer<typeof messageCursorSchema>

export const listMessagesInput = z.strictObject({
  roomId: cuidSchema,
  limit: z.int().min(1).max(100).default(50),
  before: messageCursorSchema.optional(),
})
export type ListMessagesInput = z.infer<typeof listMessagesInput>
