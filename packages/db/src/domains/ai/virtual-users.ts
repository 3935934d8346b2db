import { sql } from 'drizzle-orm'
import { check, index, pgPolicy, pgTable, text } from 'drizzle-orm/pg-core'
import { authenticatedRole } from 'drizzle-orm/supabase'
import { cuidPk, timestamps } from '../../shared/columns'
import { organizations } from '../organizations/organizations'

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
    check('virtual_users_name_length', sql`char_length(btrim(${t.name})) between 1 and 100`),
    // Managed by server code (service_role); signed-in users see who they can talk to.
    pgPolicy('signed-in users can read virtual users', {
      for: 'select',
      to: authenticatedRole,
      using: sql`true`,
    }),
  ],
).enableRLS()

export type VirtualUserRow = typeof virtualUsers.$inferSelect
export type NewVirtualUserRow = typeof virtualUsers.$inferInsert
