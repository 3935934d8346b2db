import { sql } from 'drizzle-orm'
import { check, pgPolicy, pgTable, text } from 'drizzle-orm/pg-core'
import { authenticatedRole } from 'drizzle-orm/supabase'
import { defineAccess } from '../../schema-kit/access.ts'
import { cuidPk, timestamps } from '../../schema-kit/columns.ts'
import { inMyOrganizations, inOrganizationsIAdminister } from '../../schema-kit/policies.ts'

/** A slug: a DNS label's length. Read by the CHECK and the DTO. */
export const slugLength = { min: 2, max: 63 } as const

import { lengthSql, nameLength } from '../../schema-kit/lengths.ts'

/** A company on the corporate side; its people are `corporate_users`. */
export const organizations = pgTable(
  'organizations',
  {
    id: cuidPk(),
    name: text().notNull(),
    /** URL-safe handle: lowercase letters, digits and single inner hyphens, 2–63 chars. */
    slug: text().notNull().unique('organizations_slug_key'),
    ...timestamps(),
  },
  (t) => [
    check('organizations_name_length', lengthSql(t.name, nameLength, 'spaces')),
    check(
      'organizations_slug_format',
      sql`${t.slug} ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and ${lengthSql(t.slug, slugLength)}`,
    ),
    // Organizations are created (with their owner) by trusted server code as service_role.
    pgPolicy('corporate users can read their organization', {
      for: 'select',
      to: authenticatedRole,
      using: inMyOrganizations(t.id),
    }),
    pgPolicy('owners and admins can change their organization', {
      for: 'update',
      to: authenticatedRole,
      using: inOrganizationsIAdminister(t.id),
      withCheck: inOrganizationsIAdminister(t.id),
    }),
  ],
).enableRLS()

export const organizationsAccess = defineAccess(organizations, {
  updatable: ['name', 'slug', 'updatedAt'],
  serverOwned: { id: 'cuid', createdAt: 'now', updatedAt: 'now' },
})

export type NewOrganizationRow = typeof organizations.$inferInsert
