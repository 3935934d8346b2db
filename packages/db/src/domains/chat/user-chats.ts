import { sql } from 'drizzle-orm'
import { index, pgPolicy, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core'
import { authenticatedRole, authUid } from 'drizzle-orm/supabase'
import { defineAccess } from '../../schema-kit/access.ts'
import { createdAt, timestampMs } from '../../schema-kit/columns.ts'
import { inMyRooms, inRoomsILeft, isMe } from '../../schema-kit/policies.ts'
import { generalUsers } from '../users/general-users.ts'
import { chatRooms } from './chat-rooms.ts'

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
  (t) => [
    primaryKey({ columns: [t.chatRoomId, t.userId] }),
    index().on(t.userId),
    // user_chats cannot be read from its own policy (infinite recursion): the helper can.
    pgPolicy('members can read the memberships of their rooms', {
      for: 'select',
      to: authenticatedRole,
      using: inMyRooms(t.chatRoomId),
    }),
    // The room's creator adds members: nobody joins someone else's room by themselves, except
    // a member who left, who may come back. Someone who left is never put back by the creator
    // (trigger user_chats_membership), and a PRIVATE room holds only its pair.
    pgPolicy('room creators can add members and former members can rejoin', {
      for: 'insert',
      to: authenticatedRole,
      withCheck: sql`${t.chatRoomId} in (select id from public.chat_rooms where created_by = ${authUid}) or (${isMe(t.userId)} and ${inRoomsILeft(t.chatRoomId)})`,
    }),
    // Marking a room read; only last_read_at is updatable by the column grants.
    pgPolicy('members can change their own membership', {
      for: 'update',
      to: authenticatedRole,
      using: isMe(t.userId),
      withCheck: isMe(t.userId),
    }),
    pgPolicy('members can leave and creators can remove members', {
      for: 'delete',
      to: authenticatedRole,
      using: sql`${isMe(t.userId)} or ${t.chatRoomId} in (select id from public.chat_rooms where created_by = ${authUid})`,
    }),
  ],
).enableRLS()

/** Joining time and read position are the server's when a member is added. */
export const userChatsAccess = defineAccess(userChats, {
  updatable: ['lastReadAt'],
  serverOwned: { joinedAt: 'now', lastReadAt: 'null' },
})

export type NewUserChatRow = typeof userChats.$inferInsert
