// Organizations and their corporate users. Every function is (db, params), db a database or a
// transaction; run them inside rls() as the acting user, or as service_role where noted.
import { asc, desc, eq, getTableColumns, sql } from 'drizzle-orm'
import { z } from 'zod'
import { tableRows } from '../../db/rows.ts'
import { cached, cachedSql, type Params } from '../../db/statement-cache.ts'
import type { DatabaseOrTransaction } from '../../db/types.ts'
import { displayNameSchema, userIdSchema, validate } from '../../dto-kit/validation.ts'
import { NotFoundError } from '../../errors/errors.ts'
import { mapErrors } from '../../errors/map.ts'
import { corporateUsers } from './corporate-users.ts'
import {
  type AcceptInvitationInput,
  type AddCorporateUserInput,
  acceptInvitationInput,
  addCorporateUserInput,
  type ChangeMemberRoleInput,
  type CorporateUser,
  type CreateOrganizationInput,
  changeMemberRoleInput,
  createOrganizationInput,
  emailSchema,
  type InviteMemberInput,
  inviteMemberInput,
  type Organization,
  type OrganizationInvitation,
  type OrganizationMemberInput,
  organizationInput,
  organizationMemberInput,
} from './dto.ts'
import { organizationInvitations } from './invitations.ts'
import { organizations } from './organizations.ts'

const organizationColumns = getTableColumns(organizations)
const memberColumns = getTableColumns(corporateUsers)
const invitationColumns = getTableColumns(organizationInvitations)

const createOrganizationParams = createOrganizationInput.extend({
  ownerId: userIdSchema,
  ownerDisplayName: displayNameSchema,
  ownerEmail: emailSchema.optional(),
})
export type CreateOrganizationParams = CreateOrganizationInput & {
  ownerId: string
  ownerDisplayName: string
  ownerEmail?: string
}
/**
 * Service path (server code as service_role): an organization and its first OWNER, in one
 * transaction. A taken slug is a ConflictError on `slug`.
 */
export async function createOrganization(
  db: DatabaseOrTransaction,
  params: CreateOrganizationParams,
): Promise<{ organization: Organization; owner: CorporateUser }> {
  const input = validate(createOrganizationParams, params)
  return mapErrors(() =>
    db.transaction(async (tx) => {
      const [organization] = await tx
        .insert(organizations)
        .values({ name: input.name, slug: input.slug })
        .returning(organizationColumns)
      const created = organization as Organization
      const [owner] = await tx
        .insert(corporateUsers)
        .values({
          id: input.ownerId,
          organizationId: created.id,
          role: 'OWNER',
          displayName: input.ownerDisplayName,
          email: input.ownerEmail,
        })
        .returning(memberColumns)
      return { organization: created, owner: owner as CorporateUser }
    }),
  )
}

// Each fixed-shape statement is built once (src/db/statement-cache.ts). createOrganization and
// addCorporateUser insert the columns the input gives (an optional email), so they are still
// built per call.
type InOrganization = { organizationId: string }
type Member = InOrganization & { memberId: string }
const membersOf = cached('organizations.members', (q, $: Params<InOrganization>) =>
  q
    .select(memberColumns)
    .from(corporateUsers)
    .where(eq(corporateUsers.organizationId, $('organizationId', corporateUsers.organizationId)))
    .orderBy(asc(corporateUsers.role), asc(corporateUsers.displayName), asc(corporateUsers.id)),
)
const organizationVisible = cached('organizations.visible', (q, $: Params<InOrganization>) =>
  q
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.id, $('organizationId', organizations.id))),
)
const invitationsOf = cached('organizations.invitations', (q, $: Params<InOrganization>) =>
  q
    .select(invitationColumns)
    .from(organizationInvitations)
    .where(
      eq(
        organizationInvitations.organizationId,
        $('organizationId', organizationInvitations.organizationId),
      ),
    )
    .orderBy(asc(organizationInvitations.createdAt), asc(organizationInvitations.id)),
)
const invitationsTo = cached('organizations.invitationsTo', (q, $: Params<{ userId: string }>) =>
  q
    .select(invitationColumns)
    .from(organizationInvitations)
    .where(eq(organizationInvitations.inviteeId, $('userId', organizationInvitations.inviteeId)))
    .orderBy(desc(organizationInvitations.createdAt), desc(organizationInvitations.id)),
)
type WithRole = Member & { role: string }
const changeRole = cachedSql(
  'organizations.changeMemberRole',
  ($: Params<WithRole>) =>
    sql<
      Record<string, unknown>
    >`select * from private.change_member_role(${$('organizationId')}, ${$('memberId')}, ${$('role')})`,
)
const invite = cachedSql(
  'organizations.inviteMember',
  ($: Params<WithRole>) =>
    sql<
      Record<string, unknown>
    >`select * from private.invite_member(${$('organizationId')}, ${$('memberId')}, ${$('role')})`,
)
const accept = cachedSql(
  'organizations.acceptInvitation',
  ($: Params<InOrganization & { displayName: string; email: string | null }>) =>
    sql<
      Record<string, unknown>
    >`select * from private.accept_invitation(${$('organizationId')}, ${$('displayName')}, ${$('email')})`,
)
const deleteInvitation = cachedSql(
  'organizations.deleteInvitation',
  ($: Params<Member>) =>
    sql<{
      deleted: boolean
    }>`select private.delete_invitation(${$('organizationId')}, ${$('memberId')}) as deleted`,
)
const remove = cachedSql(
  'organizations.removeMember',
  ($: Params<Member>) =>
    sql<
      Record<string, unknown>
    >`select * from private.remove_member(${$('organizationId')}, ${$('memberId')})`,
)

export type ListMembersParams = z.input<typeof organizationInput>
/**
 * The organization's corporate users, owners first. An organization the caller is not in
 * answers as one that does not exist: NotFoundError (it always has an OWNER, so no rows means
 * not visible).
 */
export async function listMembers(
  db: DatabaseOrTransaction,
  params: ListMembersParams,
): Promise<CorporateUser[]> {
  const { organizationId } = validate(organizationInput, params)
  const members = await mapErrors(
    () => membersOf.run(db, { organizationId }),
    inOrganization(organizationId),
  )
  if (members.length === 0) throw organizationNotFound(organizationId)
  return members
}

export type AddCorporateUserParams = AddCorporateUserInput
/**
 * Service path only (server code as service_role, e.g. provisioning from an identity
 * provider the person signed in with). Users join by accepting an invitation; API roles hold
 * no INSERT here. Already a corporate user → ConflictError on `id`.
 */
export async function addCorporateUser(
  db: DatabaseOrTransaction,
  params: AddCorporateUserParams,
): Promise<CorporateUser> {
  const { memberId, ...input } = validate(addCorporateUserInput, params)
  const [member] = await mapErrors(() =>
    db
      .insert(corporateUsers)
      .values({ ...input, id: memberId })
      .returning(memberColumns),
  )
  return member as CorporateUser
}

// The membership functions (migration organization_membership_rules) answer an outsider as if
// the organization did not exist (NotFoundError) and a member without the right with one
// ForbiddenError whatever the reason: neither says anything about another organization.

const organizationNotFound = (organizationId: string) =>
  new NotFoundError(`organizationId: no organization ${organizationId}`, 'organizationId')
const memberNotFound = (memberId: string) =>
  new NotFoundError(`memberId: no member ${memberId} in this organization`, 'memberId')

/** An organization's rows as the caller reaches them: refused (anon) means no organization. */
const inOrganization = (organizationId: string) => ({
  forbiddenAs: () => organizationNotFound(organizationId),
})

export type ChangeMemberRoleParams = ChangeMemberRoleInput
/**
 * As an OWNER/ADMIN of the organization (inside rls()) or service_role: only an OWNER grants or
 * takes OWNER, and an organization keeps at least one OWNER (ValidationError). Not allowed →
 * ForbiddenError; no such member of the caller's organization → NotFoundError.
 */
export async function changeMemberRole(
  db: DatabaseOrTransaction,
  params: ChangeMemberRoleParams,
): Promise<CorporateUser> {
  const { organizationId, memberId, role } = validate(changeMemberRoleInput, params)
  const [row] = await mapErrors(async () =>
    tableRows(corporateUsers, await changeRole.run(db, { organizationId, memberId, role })),
  )
  if (!row) throw memberNotFound(memberId)
  return row
}

export type InviteMemberParams = InviteMemberInput
/**
 * As an OWNER/ADMIN (only an OWNER may offer OWNER) or service_role: an invitation the person
 * accepts with acceptInvitation. Inviting again replaces the offered role. Already a member →
 * ConflictError; no such user → NotFoundError; not allowed → ForbiddenError.
 */
export async function inviteMember(
  db: DatabaseOrTransaction,
  params: InviteMemberParams,
): Promise<OrganizationInvitation> {
  const { organizationId, memberId, role } = validate(inviteMemberInput, params)
  const [row] = await mapErrors(
    async () =>
      tableRows(organizationInvitations, await invite.run(db, { organizationId, memberId, role })),
    { fields: { inviteeId: 'memberId' } },
  )
  return row as OrganizationInvitation
}

export type AcceptInvitationParams = AcceptInvitationInput
/**
 * As the invitee (inside rls()): becomes a corporate user with the offered role. No invitation
 * → NotFoundError; already a corporate user (of any organization) → ConflictError on `id`.
 */
export async function acceptInvitation(
  db: DatabaseOrTransaction,
  params: AcceptInvitationParams,
): Promise<CorporateUser> {
  const { organizationId, displayName, email } = validate(acceptInvitationInput, params)
  const values = { organizationId, displayName, email: email ?? null }
  const [row] = await mapErrors(async () => tableRows(corporateUsers, await accept.run(db, values)))
  return row as CorporateUser
}

export type DeclineInvitationParams = OrganizationMemberInput
/**
 * The invitee declines, or an OWNER/ADMIN withdraws the invitation of `userId` (an OWNER
 * invitation: an OWNER only). No invitation → NotFoundError; not allowed → ForbiddenError.
 */
export async function declineInvitation(
  db: DatabaseOrTransaction,
  params: DeclineInvitationParams,
): Promise<void> {
  const { organizationId, memberId } = validate(organizationMemberInput, params)
  const [row] = await mapErrors(() => deleteInvitation.run(db, { organizationId, memberId }))
  if (!row?.deleted) throw new NotFoundError(`memberId: no invitation for ${memberId}`, 'memberId')
}

export type ListInvitationsParams = z.input<typeof organizationInput>
/**
 * As an OWNER/ADMIN: the organization's open invitations, oldest first (a MEMBER sees none).
 * An organization the caller is not in → NotFoundError.
 */
export async function listInvitations(
  db: DatabaseOrTransaction,
  params: ListInvitationsParams,
): Promise<OrganizationInvitation[]> {
  const { organizationId } = validate(organizationInput, params)
  const [visible] = await mapErrors(
    () => organizationVisible.run(db, { organizationId }),
    inOrganization(organizationId),
  )
  if (!visible) throw organizationNotFound(organizationId)
  return mapErrors(() => invitationsOf.run(db, { organizationId }))
}

export type ListMyInvitationsParams = { userId: string }
/** The invitations the user has received, newest first. */
export async function listMyInvitations(
  db: DatabaseOrTransaction,
  params: ListMyInvitationsParams,
): Promise<OrganizationInvitation[]> {
  const { userId } = validate(z.strictObject({ userId: userIdSchema }), params)
  return mapErrors(() => invitationsTo.run(db, { userId }))
}

export type RemoveMemberParams = OrganizationMemberInput
/**
 * A member leaves (`userId` is themselves), or an OWNER/ADMIN removes `userId` (an OWNER: an
 * OWNER only). The last OWNER cannot go (ValidationError). Not allowed → ForbiddenError; no
 * such member → NotFoundError.
 */
export async function removeMember(
  db: DatabaseOrTransaction,
  params: RemoveMemberParams,
): Promise<void> {
  const { organizationId, memberId } = validate(organizationMemberInput, params)
  const rows = await mapErrors(() => remove.run(db, { organizationId, memberId }))
  if (rows.length === 0) throw memberNotFound(memberId)
}
