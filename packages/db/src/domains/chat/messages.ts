import { sql } from 'drizzle-orm'
import { check, index, pgPolicy, pgTable, text, uuid } from 'drizzle-orm/pg-core'
import { authenticatedRole } from 'drizzle-orm/supabase'
import { defineAccess } from '../../schema-kit/access.ts'
import { createdAt, cuidPk, timestampMs } from '../../schema-kit/columns.ts'
import { lengthSql } from '../../schema-kit/lengths.ts'
import { inMyRooms, isMe } from '../../schema-kit/policies.ts'
import { virtualUsers } from '../ai/virtual-users.ts'
import { generalUsers } from '../users/general-users.ts'
import { chatRooms } from './chat-rooms.ts'

/** A message's text. Read by the CHECK and the DTO. */
export const messageContentLength = { min: 1, max: 4000 } as const

/** A chat message, sent by exactly one of a general user or a virtual (AI) user. */
export const messages = pgTable(
  'messages',
  {
    id: cuidPk(),
    chatRoomId: text()
      .notNull()
      .references(() => chatRooms.id, { onDelete: 'cascade' }),
    senderUserId: uuid().references(() => generalUsers.id, { onDelete: 'cascade' }),
    senderVirtualUserId: text().references(() => virtualUsers.id, { onDelete: 'cascade' }),
    content: text().notNull(),
    createdAt: createdAt(),
    editedAt: timestampMs(),
  },
  (t) => [
    // "Newest messages of a room", keyset-paginated on (created_at, id).
    index('messages_room_newest_idx').on(
      t.chatRoomId,
      t.createdAt.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    index().on(t.senderUserId),
    index().on(t.senderVirtualUserId),
    check(
      'messages_one_sender',
      sql`num_nonnulls(${t.senderUserId}, ${t.senderVirtualUserId}) = 1`,
    ),
    // Trimmed of ASCII whitespace; the DTO trims all Unicode whitespace first (stricter).
    check('messages_content_length', lengthSql(t.content, messageContentLength, 'whitespace')),
    // Queries must still filter by room themselves: a policy alone as the only filter
    // makes "newest messages across my rooms" scan every message.
    pgPolicy('members can read the messages of their rooms', {
      for: 'select',
      to: authenticatedRole,
      using: inMyRooms(t.chatRoomId),
    }),
    // As themselves only: virtual users' replies come from server code (service_role).
    pgPolicy('members can send messages as themselves', {
      for: 'insert',
      to: authenticatedRole,
      withCheck: sql`${isMe(t.senderUserId)} and ${t.senderVirtualUserId} is null and ${inMyRooms(t.chatRoomId)}`,
    }),
    pgPolicy('senders can edit their messages', {
      for: 'update',
      to: authenticatedRole,
      using: isMe(t.senderUserId),
      withCheck: sql`${isMe(t.senderUserId)} and ${inMyRooms(t.chatRoomId)}`,
    }),
    pgPolicy('senders can delete their messages', {
      for: 'delete',
      to: authenticatedRole,
      using: isMe(t.senderUserId),
    }),
  ],
).enableRLS()

/** An edit's time is the server's too (trigger messages_edited_at). */
export const messagesAccess = defineAccess(messages, {
  updatable: ['content', 'editedAt'],
  serverOwned: { id: 'cuid', createdAt: 'now', editedAt: 'null' },
})

export type NewMessageRow = typeof messages.$inferInsert
