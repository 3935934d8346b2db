import { relations } from 'drizzle-orm'
import { virtualUsers } from '../ai/virtual-users.ts'
import { corporateUsers } from './corporate-users.ts'
import { organizations } from './organizations.ts'

export const organizationsRelations = relations(organizations, ({ many }) => ({
  corporateUsers: many(corporateUsers),
  virtualUsers: many(virtualUsers),
}))

export const corporateUsersRelations = relations(corporateUsers, ({ one }) => ({
  organization: one(organizations, {
    fields: [corporateUsers.organizationId],
    references: [organizations.id],
  }),
}))
