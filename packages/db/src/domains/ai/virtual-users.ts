import { sql } from 'drizzle-orm'
import { check, index, pgTable, text } from 'drizzle-orm/pg-core'
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
  ],
).enableRLS()

export type VirtualUserRow = typeof virtualUsers.$inferSelect
export type NewVirtualUserRow = typeof virtualUsers.$inferInsert
