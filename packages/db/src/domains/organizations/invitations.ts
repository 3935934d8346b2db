import { sql } from 'drizzle-orm'
import { index, pgPolicy, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core'
import { authenticatedRole, authUsers } from 'drizzle-orm/supabase'
import { defineAccess } from '../../schema-kit/access.ts'
import { createdAt, cuidPk } from '../../schema-kit/columns.ts'
import { corporateRole } from '../../schema-kit/enums.ts'
import { inOrganizationsIAdminister, isMe } from '../../schema-kit/policies.ts'
import { organizations } from './organizations.ts'

/**
 * An offer to join an organization: nobody becomes a corporate user without accepting one.
 * Made, accepted and withdrawn only through the functions of migration
 * organization_membership_rules (`inviteMember`, `acceptInvitation`, `declineInvitation`).
 */
export const organizationInvitations = pgTable(
  'organization_invitations',
  {
    id: cuidPk(),
    organizationId: text()
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    /** The invited person's `auth.users` id: the corporate user's id once they accept. */
    inviteeId: uuid()
      .notNull()
      .references(() => authUsers.id, { onDelete: 'cascade' }),
    /** The role they get on accepting; only an OWNER may offer OWNER. */
    role: corporateRole().notNull().default('MEMBER'),
    /** Null once the inviter's account is deleted. */
    invitedBy: uuid().references(() => authUsers.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [
    // One open invitation per person and organization; its leading column serves the FK.
    unique('organization_invitations_organization_invitee_key').on(t.organizationId, t.inviteeId),
    index().on(t.inviteeId),
    index().on(t.invitedBy),
    pgPolicy('invitees and organization admins can read invitations', {
      for: 'select',
      to: authenticatedRole,
      using: sql`${isMe(t.inviteeId)} or ${inOrganizationsIAdminister(t.organizationId)}`,
    }),
  ],
).enableRLS()

export const organizationInvitationsAccess = defineAccess(organizationInvitations, {
  updatable: [],
  serverOwned: { id: 'cuid', createdAt: 'now' },
})
