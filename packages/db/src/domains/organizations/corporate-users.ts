import { sql } from 'drizzle-orm'
import { check, index, pgPolicy, pgTable, text, uuid } from 'drizzle-orm/pg-core'
import { authenticatedRole, authUsers } from 'drizzle-orm/supabase'
import { defineAccess } from '../../schema-kit/access.ts'
import { timestamps } from '../../schema-kit/columns.ts'
import { corporateRole } from '../../schema-kit/enums.ts'
import { inMyOrganizations, isMe } from '../../schema-kit/policies.ts'
import { organizations } from './organizations.ts'

/** An email address: RFC 5321's limit. Read by the CHECK and the DTO. */
export const emailLength = { max: 320 } as const

import { lengthSql, nameLength } from '../../schema-kit/lengths.ts'

/** A Supabase auth user acting for one organization. */
export const corporateUsers = pgTable(
  'corporate_users',
  {
    /** Same id as the `auth.users` row: one corporate identity per sign-in. */
    id: uuid()
      .primaryKey()
      .references(() => authUsers.id, { onDelete: 'cascade' }),
    organizationId: text()
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    role: corporateRole().notNull().default('MEMBER'),
    displayName: text().notNull(),
    email: text(),
    ...timestamps(),
  },
  (t) => [
    index().on(t.organizationId),
    check('corporate_users_display_name_length', lengthSql(t.displayName, nameLength, 'spaces')),
    check(
      'corporate_users_email_format',
      sql`${t.email} ~ '^[^@\\s]+@[^@\\s]+$' and ${lengthSql(t.email, emailLength)}`,
    ),
    pgPolicy('corporate users can read themselves and their colleagues', {
      for: 'select',
      to: authenticatedRole,
      using: sql`${isMe(t.id)} or ${inMyOrganizations(t.organizationId)}`,
    }),
    // Joining, leaving, removing and role changes go through the functions of migration
    // organization_membership_rules (one set of rules, serialized per organization), so API
    // roles hold no INSERT or DELETE here. Own details only; role and organization_id are
    // not in the contract's updatable columns.
    pgPolicy('corporate users can change their own details', {
      for: 'update',
      to: authenticatedRole,
      using: isMe(t.id),
      withCheck: isMe(t.id),
    }),
  ],
).enableRLS()

/**
 * Invariants the database keeps for every writer (trigger corporate_users_keep_an_owner): an
 * organization always has an OWNER; only an OWNER makes or unmakes one (the functions).
 */
export const corporateUsersAccess = defineAccess(corporateUsers, {
  updatable: ['displayName', 'email', 'updatedAt'],
  serverOwned: { createdAt: 'now', updatedAt: 'now' },
})

export type NewCorporateUserRow = typeof corporateUsers.$inferInsert
