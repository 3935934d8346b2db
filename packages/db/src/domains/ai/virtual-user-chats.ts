import { index, pgPolicy, pgTable, primaryKey, text } from 'drizzle-orm/pg-core'
import { authenticatedRole } from 'drizzle-orm/supabase'
import { defineAccess } from '../../schema-kit/access.ts'
import { createdAt } from '../../schema-kit/columns.ts'
import { inMyRooms } from '../../schema-kit/policies.ts'
import { chatRooms } from '../chat/chat-rooms.ts'
import { virtualUsers } from './virtual-users.ts'

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
  (t) => [
    primaryKey({ columns: [t.chatRoomId, t.virtualUserId] }),
    index().on(t.virtualUserId),
    // Added and removed by server code (service_role).
    pgPolicy('members can read the virtual members of their rooms', {
      for: 'select',
      to: authenticatedRole,
      using: inMyRooms(t.chatRoomId),
    }),
  ],
).enableRLS()

export const virtualUserChatsAccess = defineAccess(virtualUserChats, {
  updatable: [],
  serverOwned: { joinedAt: 'now' },
})

export type NewVirtualUserChatRow = typeof virtualUserChats.$inferInsert
