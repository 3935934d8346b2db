import { sql } from 'drizzle-orm'
import { check, index, pgPolicy, pgTable, text } from 'drizzle-orm/pg-core'
import { authenticatedRole } from 'drizzle-orm/supabase'
import { defineAccess } from '../../schema-kit/access.ts'
import { cuidPk, timestamps } from '../../schema-kit/columns.ts'
import { lengthSql, nameLength } from '../../schema-kit/lengths.ts'
import { inMyOrganizations, inMyRooms } from '../../schema-kit/policies.ts'
import { organizations } from '../organizations/organizations.ts'

/** An AI user that can take part in chat rooms. */
export const virtualUsers = pgTable(
  'virtual_users',
  {
    id: cuidPk(),
    /** The owning organization; null for virtual users the app itself provides. */
    organizationId: text().references(() => organizations.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    ...timestamps(),
  },
  (t) => [
    index().on(t.organizationId),
    check('virtual_users_name_length', lengthSql(t.name, nameLength, 'spaces')),
    // Managed by server code (service_role). A signed-in user sees the app's bots, their own
    // organization's, and those in their rooms (whose messages they read); no other
    // organization's. virtual_user_chats' own policy limits the subquery to the user's rooms.
    pgPolicy('users can read the bots of the app, their organization and their rooms', {
      for: 'select',
      to: authenticatedRole,
      using: sql`${t.organizationId} is null or ${inMyOrganizations(t.organizationId)} or ${t.id} in (select vc.virtual_user_id from public.virtual_user_chats vc where ${inMyRooms(sql`vc.chat_room_id`)})`,
    }),
  ],
).enableRLS()

export const virtualUsersAccess = defineAccess(virtualUsers, {
  updatable: [],
  serverOwned: { id: 'cuid', createdAt: 'now', updatedAt: 'now' },
})

export type NewVirtualUserRow = typeof virtualUsers.$inferInsert
