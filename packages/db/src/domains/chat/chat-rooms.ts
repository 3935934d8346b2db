import { sql } from 'drizzle-orm'
import { check, index, pgPolicy, pgTable, text, uuid } from 'drizzle-orm/pg-core'
import { authenticatedRole, authUid } from 'drizzle-orm/supabase'
import { defineAccess } from '../../schema-kit/access.ts'
import { cuidPk, timestamps } from '../../schema-kit/columns.ts'
import { chatRoomType } from '../../schema-kit/enums.ts'
import { lengthSql, nameLength } from '../../schema-kit/lengths.ts'
import { inMyRooms, inRoomsILeft, isMe } from '../../schema-kit/policies.ts'
import { generalUsers } from '../users/general-users.ts'

/** A conversation: PRIVATE between two users, or a named GROUP. */
export const chatRooms = pgTable(
  'chat_rooms',
  {
    id: cuidPk(),
    type: chatRoomType().notNull(),
    /** Required for GROUP rooms. */
    name: text(),
    /** Null once the creator's account is deleted: the room outlives them. */
    createdBy: uuid().references(() => generalUsers.id, { onDelete: 'set null' }),
    /**
     * PRIVATE rooms only: the two member ids, lower case, sorted and joined by ':'. Unique, so
     * opening a private room for the same pair always finds the same room, also under
     * concurrency; the room's members can only be these two (trigger user_chats_membership).
     */
    pairKey: text().unique('chat_rooms_pair_key_key'),
    ...timestamps(),
  },
  (t) => [
    index().on(t.createdBy),
    check(
      'chat_rooms_group_has_name',
      // `is not null` matters: a check whose expression is NULL passes.
      sql`${t.type} <> 'GROUP' or (${t.name} is not null and char_length(btrim(${t.name})) > 0)`,
    ),
    check('chat_rooms_name_length', lengthSql(t.name, { max: nameLength.max })),
    check(
      'chat_rooms_pair_key_format',
      sql`${t.pairKey} ~ '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}:[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$' and split_part(${t.pairKey}, ':', 1) collate "C" < split_part(${t.pairKey}, ':', 2) collate "C"`,
    ),
    check(
      'chat_rooms_pair_key_only_private',
      sql`(${t.type} = 'PRIVATE') = (${t.pairKey} is not null)`,
    ),
    // The creator too: right after creating a room they are not a member yet, and
    // INSERT … RETURNING needs the new row to be readable. A member who left still sees the
    // room itself (not its messages), so that they can find it again and rejoin.
    pgPolicy('members, former members and the creator can read a room', {
      for: 'select',
      to: authenticatedRole,
      using: sql`${inMyRooms(t.id)} or ${isMe(t.createdBy)} or ${inRoomsILeft(t.id)}`,
    }),
    // A private room's pair key must name the creator: nobody can claim another pair's room.
    pgPolicy('users can create rooms as themselves', {
      for: 'insert',
      to: authenticatedRole,
      withCheck: sql`${isMe(t.createdBy)} and (${t.pairKey} is null or ${authUid}::text in (split_part(${t.pairKey}, ':', 1), split_part(${t.pairKey}, ':', 2)))`,
    }),
    pgPolicy('creators can change their rooms', {
      for: 'update',
      to: authenticatedRole,
      using: isMe(t.createdBy),
      withCheck: isMe(t.createdBy),
    }),
    // Deleting a PRIVATE room only removes it for the one who deletes it (trigger
    // chat_rooms_private_delete_leaves): the other person keeps the room and every message.
    pgPolicy('creators can delete their rooms and members can delete a private room', {
      for: 'delete',
      to: authenticatedRole,
      using: sql`${isMe(t.createdBy)} or (${t.type} = 'PRIVATE' and ${inMyRooms(t.id)})`,
    }),
  ],
).enableRLS()

export const chatRoomsAccess = defineAccess(chatRooms, {
  updatable: ['name', 'updatedAt'],
  serverOwned: { id: 'cuid', createdAt: 'now', updatedAt: 'now' },
})

export type NewChatRoomRow = typeof chatRooms.$inferInsert
