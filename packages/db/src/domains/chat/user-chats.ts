import { index, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core'
import { createdAt, timestampMs } from '../../shared/columns'
import { generalUsers } from '../users/general-users'
import { chatRooms } from './chat-rooms'

/** Membership of general users in chat rooms, with their read position. */
export const userChats = pgTable(
  'user_chats',
  {
    chatRoomId: text()
      .notNull()
      .references(() => chatRooms.id, { onDelete: 'cascade' }),
    userId: uuid()
      .notNull()
      .references(() => generalUsers.id, { onDelete: 'cascade' }),
    joinedAt: createdAt(),
    /** Messages created after this are unread for the user; null = nothing read yet. */
    lastReadAt: timestampMs(),
  },
  (t) => [primaryKey({ columns: [t.chatRoomId, t.userId] }), index().on(t.userId)],
).enableRLS()

export type UserChatRow = typeof userChats.$inferSelect
export type NewUserChatRow = typeof userChats.$inferInsert
