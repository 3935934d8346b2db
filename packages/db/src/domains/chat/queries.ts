// Chat: rooms, memberships and messages. Every function is (db, params), db a database or a
// transaction; run them inside rls() as the acting user, or as service_role where noted.
// Queries always filter by room themselves: RLS as the only filter scans every message.
import { and, desc, eq, getTableColumns, lt, or, sql } from 'drizzle-orm'
import { z } from 'zod'
import { cached, cachedSql, type Params } from '../../db/statement-cache.ts'
import type { DatabaseOrTransaction } from '../../db/types.ts'
import { actorAndInput, userIdSchema, validate } from '../../dto-kit/validation.ts'
import { ForbiddenError, NotFoundError, ValidationError } from '../../errors/errors.ts'
import { mapErrors } from '../../errors/map.ts'
import { chatRooms } from './chat-rooms.ts'
import {
  type ChatRoom,
  createGroupRoomInput,
  type EditMessageInput,
  editMessageInput,
  listMessagesInput,
  type Message,
  type MessageCursor,
  messageIdInput,
  type OpenPrivateRoomInput,
  openPrivateRoomInput,
  roomInput,
  sendMessageInput,
} from './dto.ts'
import { messages } from './messages.ts'
import { pairKeyOf } from './pair-key.ts'
import { userChats } from './user-chats.ts'

const roomColumns = getTableColumns(chatRooms)
const messageColumns = getTableColumns(messages)

/** Not a member, or no such room: the same answer, so it says nothing about others' rooms. */
const roomNotFound = (roomId: string) => new NotFoundError(`roomId: no room ${roomId}`, 'roomId')

/** A room's rows as the caller reaches them: refused (anon: no privilege) means no room. */
const inRoom = (roomId: string) => ({ forbiddenAs: () => roomNotFound(roomId) })

const anyMembership = cached('chat.anyMembership', (q, $: Params<{ roomId: string }>) =>
  q
    .select({ roomId: userChats.chatRoomId })
    .from(userChats)
    .where(eq(userChats.chatRoomId, $('roomId', userChats.chatRoomId)))
    .limit(1),
)

async function canReadRoom(db: DatabaseOrTransaction, roomId: string): Promise<boolean> {
  const [member] = await mapErrors(() => anyMembership.run(db, { roomId }), inRoom(roomId))
  return member !== undefined
}

type Pair = { userId: string; otherUserId: string; pairKey: string }
const insertPrivateRoom = cached('chat.insertPrivateRoom', (q, $: Params<Pair>) =>
  q
    .insert(chatRooms)
    .values({ type: 'PRIVATE', createdBy: $('userId'), pairKey: $('pairKey') })
    .onConflictDoNothing({ target: chatRooms.pairKey })
    .returning(roomColumns),
)
const insertPairMemberships = cached(
  'chat.insertPairMemberships',
  (q, $: Params<{ roomId: string } & Pair>) =>
    q.insert(userChats).values([
      { chatRoomId: $('roomId'), userId: $('userId') },
      { chatRoomId: $('roomId'), userId: $('otherUserId') },
    ]),
)
const roomByPairKey = cached('chat.roomByPairKey', (q, $: Params<Pair>) =>
  q
    .select(roomColumns)
    .from(chatRooms)
    .where(eq(chatRooms.pairKey, $('pairKey', chatRooms.pairKey))),
)
const membership = cached('chat.membership', (q, $: Params<{ roomId: string; userId: string }>) =>
  q
    .select({ roomId: userChats.chatRoomId })
    .from(userChats)
    .where(
      and(
        eq(userChats.chatRoomId, $('roomId', userChats.chatRoomId)),
        eq(userChats.userId, $('userId', userChats.userId)),
      ),
    ),
)
const insertMembership = cached(
  'chat.insertMembership',
  (q, $: Params<{ roomId: string; userId: string }>) =>
    q.insert(userChats).values({ chatRoomId: $('roomId'), userId: $('userId') }),
)

export type OpenPrivateRoomParams = { userId: string } & OpenPrivateRoomInput
/**
 * The private room of two users, created on first use. Idempotent, also for two concurrent
 * calls (from either side): the unique pair key lets one insert win; the other finds its room.
 */
export async function openPrivateRoom(
  db: DatabaseOrTransaction,
  params: OpenPrivateRoomParams,
): Promise<ChatRoom> {
  const { userId, input } = actorAndInput(openPrivateRoomInput, params)
  if (input.otherUserId.toLowerCase() === userId.toLowerCase()) {
    const message = 'cannot open a private room with oneself'
    throw new ValidationError(`invalid input: otherUserId: ${message}`, [
      { code: 'custom', path: ['otherUserId'], message, input: input.otherUserId },
    ])
  }
  const pair = {
    userId,
    otherUserId: input.otherUserId,
    pairKey: pairKeyOf(userId, input.otherUserId),
  }
  return mapErrors(
    () =>
      db.transaction(async (tx) => {
        const [created] = await insertPrivateRoom.run(tx, pair)
        if (created) {
          await insertPairMemberships.run(tx, { ...pair, roomId: created.id })
          return created
        }
        const [existing] = await roomByPairKey.run(tx, pair)
        if (!existing)
          throw new ForbiddenError('the private room of this pair is not visible to you')
        // Opening it again is how someone who left comes back; the other person, if they left
        // too, stays out until they open it themselves.
        const [member] = await membership.run(tx, { roomId: existing.id, userId })
        if (!member) await insertMembership.run(tx, { roomId: existing.id, userId })
        return existing
      }),
    { fields: { userId: 'otherUserId' } },
  )
}

const insertGroupRoom = cached(
  'chat.insertGroupRoom',
  (q, $: Params<{ name: string; userId: string }>) =>
    q
      .insert(chatRooms)
      .values({ type: 'GROUP', name: $('name'), createdBy: $('userId') })
      .returning(roomColumns),
)

export type CreateGroupRoomParams = { userId: string } & z.input<typeof createGroupRoomInput>
export type GroupRoom = ChatRoom & { memberIds: string[] }
/** A GROUP room with its creator and the given members; an unknown member is a NotFoundError. */
export async function createGroupRoom(
  db: DatabaseOrTransaction,
  params: CreateGroupRoomParams,
): Promise<GroupRoom> {
  const { userId, input } = actorAndInput(createGroupRoomInput, params)
  const memberIds = [...new Set([userId, ...input.memberIds].map((id) => id.toLowerCase()))]
  return mapErrors(
    () =>
      db.transaction(async (tx) => {
        const [room] = await insertGroupRoom.run(tx, { name: input.name, userId })
        const created = room as ChatRoom
        // One row per member: a statement of its own for each member count, so built here.
        await tx
          .insert(userChats)
          .values(memberIds.map((id) => ({ chatRoomId: created.id, userId: id })))
        return { ...created, memberIds }
      }),
    { fields: { userId: 'memberIds' } },
  )
}

export type RoomSummary = {
  id: string
  type: ChatRoom['type']
  name: string | null
  lastReadAt: Date | null
  unreadCount: number
  lastMessage: Pick<
    Message,
    'id' | 'content' | 'createdAt' | 'senderUserId' | 'senderVirtualUserId'
  > | null
}

type RoomSummaryRow = Record<string, unknown> & {
  id: string
  type: ChatRoom['type']
  name: string | null
  last_read_at: Date | string | null
  unread: number
  m_id: string | null
  m_content: string | null
  m_created_at: Date | string | null
  m_sender_user_id: string | null
  m_sender_virtual_user_id: string | null
}

const asDate = (v: Date | string | null) =>
  v === null ? null : v instanceof Date ? v : new Date(v)

/** One statement (a lateral join per room on the room-newest index; no N+1). */
const myRooms = cachedSql(
  'chat.myRooms',
  ($: Params<{ userId: string }>) =>
    sql<RoomSummaryRow>`select r.id, r.type, r.name, uc.last_read_at,
            lm.id as m_id, lm.content as m_content, lm.created_at as m_created_at,
            lm.sender_user_id as m_sender_user_id,
            lm.sender_virtual_user_id as m_sender_virtual_user_id,
            (select count(*)::int from public.messages u
              where u.chat_room_id = r.id
                and u.created_at > coalesce(uc.last_read_at, '-infinity'::timestamptz)
                and u.sender_user_id is distinct from uc.user_id) as unread
          from public.user_chats uc
          join public.chat_rooms r on r.id = uc.chat_room_id
          left join lateral (
            select m.id, m.content, m.created_at, m.sender_user_id, m.sender_virtual_user_id
            from public.messages m where m.chat_room_id = r.id
            order by m.created_at desc, m.id desc limit 1
          ) lm on true
          where uc.user_id = ${$('userId')}
          order by coalesce(lm.created_at, r.created_at) desc, r.id desc`,
)

export type ListMyRoomsParams = { userId: string }
/**
 * The user's rooms, most recently active first, each with its last message and the user's
 * unread count, in one statement (a lateral join per room on the room-newest index; no N+1).
 */
export async function listMyRooms(
  db: DatabaseOrTransaction,
  params: ListMyRoomsParams,
): Promise<RoomSummary[]> {
  const { userId } = validate(z.strictObject({ userId: userIdSchema }), params)
  const rows = await mapErrors(() => myRooms.run(db, { userId }))
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    name: r.name,
    lastReadAt: asDate(r.last_read_at),
    unreadCount: Number(r.unread),
    lastMessage:
      r.m_id === null
        ? null
        : {
            id: r.m_id,
            content: r.m_content as string,
            createdAt: asDate(r.m_created_at) as Date,
            senderUserId: r.m_sender_user_id,
            senderVirtualUserId: r.m_sender_virtual_user_id,
          },
  }))
}

const insertMessage = cached(
  'chat.insertMessage',
  (q, $: Params<{ roomId: string; userId: string; content: string }>) =>
    q
      .insert(messages)
      .values({ chatRoomId: $('roomId'), senderUserId: $('userId'), content: $('content') })
      .returning(messageColumns),
)

export type SendMessageParams = { userId: string } & z.input<typeof sendMessageInput>
/**
 * Sends as the session's user. A room the user is not in answers as one that does not exist:
 * NotFoundError on `roomId`.
 */
export async function sendMessage(
  db: DatabaseOrTransaction,
  params: SendMessageParams,
): Promise<Message> {
  const { userId, input } = actorAndInput(sendMessageInput, params)
  const [message] = await mapErrors(
    () => insertMessage.run(db, { roomId: input.roomId, userId, content: input.content }),
    inRoom(input.roomId),
  )
  return message as Message
}

// Two shapes, each built once: the first page, and a page before a cursor.
type PageValues = { roomId: string; limit: number }
const newestMessages = cached('chat.newestMessages', (q, $: Params<PageValues>) =>
  q
    .select(messageColumns)
    .from(messages)
    .where(eq(messages.chatRoomId, $('roomId', messages.chatRoomId)))
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit($('limit')),
)
const messagesBefore = cached(
  'chat.messagesBefore',
  (q, $: Params<PageValues & { beforeCreatedAt: Date; beforeId: string }>) =>
    q
      .select(messageColumns)
      .from(messages)
      .where(
        and(
          eq(messages.chatRoomId, $('roomId', messages.chatRoomId)),
          or(
            lt(messages.createdAt, $('beforeCreatedAt', messages.createdAt)),
            and(
              eq(messages.createdAt, $('beforeCreatedAt', messages.createdAt)),
              lt(messages.id, $('beforeId', messages.id)),
            ),
          ),
        ),
      )
      .orderBy(desc(messages.createdAt), desc(messages.id))
      .limit($('limit')),
)

export type ListMessagesParams = z.input<typeof listMessagesInput>
export type MessagePage = { messages: Message[]; nextCursor: MessageCursor | null }
/**
 * A room's messages, newest first, keyset-paginated on (created_at, id): pass the previous
 * page's nextCursor as `before`. Stable while new messages arrive: they are newer than any
 * cursor, so pages never shift, repeat or skip.
 */
export async function listMessages(
  db: DatabaseOrTransaction,
  params: ListMessagesParams,
): Promise<MessagePage> {
  const { roomId, limit, before } = validate(listMessagesInput, params)
  // One row more than the page: whether there is a next page.
  const rows = await mapErrors(
    () =>
      before
        ? messagesBefore.run(db, {
            roomId,
            limit: limit + 1,
            beforeCreatedAt: before.createdAt,
            beforeId: before.id,
          })
        : newestMessages.run(db, { roomId, limit: limit + 1 }),
    inRoom(roomId),
  )
  // No rows: a room past its last page, or one the caller cannot read (or that does not
  // exist), which must answer alike: only a member sees the room's memberships.
  if (rows.length === 0 && !(await canReadRoom(db, roomId))) throw roomNotFound(roomId)
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return {
    messages: page,
    nextCursor: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null,
  }
}

type RoomAndUser = { roomId: string; userId: string }
const roomAndUser = ($: Params<RoomAndUser>) =>
  and(
    eq(userChats.chatRoomId, $('roomId', userChats.chatRoomId)),
    eq(userChats.userId, $('userId', userChats.userId)),
  )
const markMembershipRead = cached('chat.markRead', (q, $: Params<RoomAndUser>) =>
  q
    .update(userChats)
    .set({ lastReadAt: sql`now()` })
    .where(roomAndUser($))
    .returning({ roomId: userChats.chatRoomId }),
)
const deleteMembership = cached('chat.leaveRoom', (q, $: Params<RoomAndUser>) =>
  q.delete(userChats).where(roomAndUser($)).returning({ roomId: userChats.chatRoomId }),
)

export type MarkReadParams = { userId: string } & z.input<typeof roomInput>
/** Everything in the room up to now counts as read for the user. Not a member → NotFoundError. */
export async function markRead(db: DatabaseOrTransaction, params: MarkReadParams): Promise<void> {
  const {
    userId,
    input: { roomId },
  } = actorAndInput(roomInput, params)
  const updated = await mapErrors(() => markMembershipRead.run(db, { roomId, userId }))
  if (updated.length === 0) throw roomNotFound(roomId)
}

export type LeaveRoomParams = { userId: string } & z.input<typeof roomInput>
/**
 * The user leaves the room: nobody can put them back but themselves (rejoinRoom, or
 * openPrivateRoom). Leaving a PRIVATE room is how one deletes it: the other person keeps it
 * and every message. Not a member → NotFoundError.
 */
export async function leaveRoom(db: DatabaseOrTransaction, params: LeaveRoomParams): Promise<void> {
  const {
    userId,
    input: { roomId },
  } = actorAndInput(roomInput, params)
  const left = await mapErrors(() => deleteMembership.run(db, { roomId, userId }))
  if (left.length === 0) throw roomNotFound(roomId)
}

export type RejoinRoomParams = { userId: string } & z.input<typeof roomInput>
/**
 * Back into a room the user left by themselves (or created). Any other room, or none, is a
 * NotFoundError; already a member → ConflictError.
 */
export async function rejoinRoom(
  db: DatabaseOrTransaction,
  params: RejoinRoomParams,
): Promise<void> {
  const {
    userId,
    input: { roomId },
  } = actorAndInput(roomInput, params)
  await mapErrors(() => insertMembership.run(db, { roomId, userId }), {
    ...inRoom(roomId),
    fields: { chatRoomId: 'roomId' },
  })
}

type OwnMessage = { id: string; userId: string }
const ownMessage = ($: Params<OwnMessage>) =>
  and(
    eq(messages.id, $('id', messages.id)),
    eq(messages.senderUserId, $('userId', messages.senderUserId)),
  )
const updateMessage = cached('chat.editMessage', (q, $: Params<OwnMessage & { content: string }>) =>
  q
    .update(messages)
    // set() types take no placeholder; as sql it is the same `$n`, encoded as the column encodes
    .set({ content: sql`${$('content', messages.content)}`, editedAt: sql`now()` })
    .where(ownMessage($))
    .returning(messageColumns),
)
const deleteOwnMessage = cached('chat.deleteMessage', (q, $: Params<OwnMessage>) =>
  q.delete(messages).where(ownMessage($)).returning({ id: messages.id }),
)

export type EditMessageParams = { userId: string } & EditMessageInput
/** Edits one of the user's own messages; anyone else's (or none) → NotFoundError. */
export async function editMessage(
  db: DatabaseOrTransaction,
  params: EditMessageParams,
): Promise<Message> {
  const { userId, input } = actorAndInput(editMessageInput, params)
  const [message] = await mapErrors(() =>
    updateMessage.run(db, { id: input.id, userId, content: input.content }),
  )
  if (!message) throw new NotFoundError(`no message ${input.id} of this user`)
  return message
}

export type DeleteMessageParams = { userId: string } & z.input<typeof messageIdInput>
/** Deletes one of the user's own messages; anyone else's (or none) → NotFoundError. */
export async function deleteMessage(
  db: DatabaseOrTransaction,
  params: DeleteMessageParams,
): Promise<void> {
  const {
    userId,
    input: { id },
  } = actorAndInput(messageIdInput, params)
  const deleted = await mapErrors(() => deleteOwnMessage.run(db, { id, userId }))
  if (deleted.length === 0) throw new NotFoundError(`no message ${id} of this user`)
}
