import { index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core'
import { createdAt } from '../../shared/columns'
import { chatRooms } from '../chat/chat-rooms'
import { virtualUsers } from './virtual-users'

/** Membership of virtual users in chat rooms. */
export const virtualUserChats = pgTable(
  'virtual_user_chats',
  {
    chatRoomId: text()
      .notNull()
      .references(() => chatRooms.id, { onDelete: 'cascade' }),
    virtualUserId: text()
      .notNull()
      .references(() => virtualUsers.id, { onDelete: 'cascade' }),
    joinedAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.chatRoomId, t.virtualUserId] }), index().on(t.virtualUserId)],
).enableRLS()

export type VirtualUserChatRow = typeof virtualUserChats.$inferSelect
export type NewVirtualUserChatRow = typeof virtualUserChats.$inferInsert
