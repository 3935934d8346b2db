import { createSelectSchema } from 'drizzle-zod'
import { z } from 'zod'
import { tableSchemas } from '../../dto-kit/table-schemas.ts'
import {
  cuidSchema,
  displayNameSchema,
  trimmedText,
  userIdSchema,
} from '../../dto-kit/validation.ts'
import { corporateRoles } from '../../schema-kit/enums.ts'
import { corporateUsers, emailLength } from './corporate-users.ts'
import { organizationInvitations } from './invitations.ts'
import { organizations, slugLength } from './organizations.ts'

export const slugSchema = z
  .string()
  .min(slugLength.min)
  .max(slugLength.max)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'Lowercase letters and digits, with single inner hyphens')

/**
 * The database's own pattern, `^[^@\s]+@[^@\s]+$`, rather than `z.email()`: that would refuse
 * addresses the database stores (`ops@localhost`), and the select schema must read every row.
 */
export const emailSchema = trimmedText(emailLength).regex(/^[^@\s]+@[^@\s]+$/, 'Invalid email')

export const corporateRoleSchema = z.enum(corporateRoles)

// organizations

const organizationFields = {
  id: () => cuidSchema,
  name: () => displayNameSchema,
  slug: () => slugSchema,
}

export const {
  select: organizationSelectSchema,
  insert: organizationInsertSchema,
  update: organizationUpdateSchema,
} = tableSchemas(organizations, organizationFields)

export type Organization = z.infer<typeof organizationSelectSchema>
export type NewOrganization = z.infer<typeof organizationInsertSchema>
export type OrganizationUpdate = z.infer<typeof organizationUpdateSchema>

// corporate_users

const corporateUserFields = {
  organizationId: () => cuidSchema,
  displayName: () => displayNameSchema,
  email: () => emailSchema,
}

export const {
  select: corporateUserSelectSchema,
  insert: corporateUserInsertSchema,
  update: corporateUserUpdateSchema,
} = tableSchemas(corporateUsers, corporateUserFields)

export type CorporateUser = z.infer<typeof corporateUserSelectSchema>
export type NewCorporateUser = z.infer<typeof corporateUserInsertSchema>
export type CorporateUserUpdate = z.infer<typeof corporateUserUpdateSchema>

// organization_invitations (written only through the membership functions)

export const organizationInvitationSelectSchema = createSelectSchema(organizationInvitations, {
  id: () => cuidSchema,
  organizationId: () => cuidSchema,
})
export type OrganizationInvitation = z.infer<typeof organizationInvitationSelectSchema>

// API inputs

export const createOrganizationInput = z.strictObject({ name: displayNameSchema, slug: slugSchema })
export type CreateOrganizationInput = z.infer<typeof createOrganizationInput>

/** One organization, by id. */
export const organizationInput = z.strictObject({ organizationId: cuidSchema })
export type OrganizationInput = z.infer<typeof organizationInput>

/** One person in one organization: a member to remove, an invitation to withdraw. */
export const organizationMemberInput = organizationInput.extend({ memberId: userIdSchema })
export type OrganizationMemberInput = z.infer<typeof organizationMemberInput>

/** `memberId` is the person's `auth.users` id, which becomes the corporate user's id. */
export const addCorporateUserInput = organizationMemberInput.extend({
  role: corporateRoleSchema,
  displayName: displayNameSchema,
  email: emailSchema.optional(),
})
export type AddCorporateUserInput = z.infer<typeof addCorporateUserInput>

/**
 * A corporate user belongs to one organization, so `memberId` alone finds the row; the
 * organization is named too, so a caller acting for one organization cannot reach another's.
 */
export const changeMemberRoleInput = organizationMemberInput.extend({ role: corporateRoleSchema })
export type ChangeMemberRoleInput = z.infer<typeof changeMemberRoleInput>

/** An invitation to `memberId` (their `auth.users` id) with the role they get on accepting. */
export const inviteMemberInput = organizationMemberInput.extend({ role: corporateRoleSchema })
export type InviteMemberInput = z.infer<typeof inviteMemberInput>

/** The invitee's own details as a corporate user of the organization. */
export const acceptInvitationInput = organizationInput.extend({
  displayName: displayNameSchema,
  email: emailSchema.optional(),
})
export type AcceptInvitationInput = z.infer<typeof acceptInvitationInput>
