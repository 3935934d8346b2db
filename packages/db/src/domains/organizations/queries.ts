// Organizations and their corporate users. Every function is (db, params), db a database or a
// transaction; run them inside rls() as the acting user, or as service_role where noted.
import { asc, eq, getTableColumns, sql } from 'drizzle-orm'
import { z } from 'zod'
import { type DatabaseOrTransaction, executeRows } from '../../client'
import { NotFoundError } from '../../errors'
import { mapErrors } from '../../shared/query-errors'
import { cuidSchema, displayNameSchema, userIdSchema, validate } from '../../shared/validation'
import { corporateUsers } from './corporate-users'
import {
  type AddCorporateUserInput,
  addCorporateUserInput,
  type ChangeMemberRoleInput,
  type CorporateUser,
  type CreateOrganizationInput,
  changeMemberRoleInput,
  createOrganizationInput,
  emailSchema,
  type Organization,
} from './dto'
import { organizations } from './organizations'

const organizationColumns = getTableColumns(organizations)
const memberColumns = getTableColumns(corporateUsers)

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

export type ListMembersParams = { organizationId: string }
/** The organization's corporate users, owners first. */
export async function listMembers(
  db: DatabaseOrTransaction,
  params: ListMembersParams,
): Promise<CorporateUser[]> {
  const { organizationId } = validate(z.strictObject({ organizationId: cuidSchema }), params)
  return mapErrors(() =>
    db
      .select(memberColumns)
      .from(corporateUsers)
      .where(eq(corporateUsers.organizationId, organizationId))
      .orderBy(asc(corporateUsers.role), asc(corporateUsers.displayName), asc(corporateUsers.id)),
  )
}

export type AddCorporateUserParams = AddCorporateUserInput
/** As an OWNER/ADMIN (RLS) or service_role. Already a corporate user → ConflictError on `id`. */
export async function addCorporateUser(
  db: DatabaseOrTransaction,
  params: AddCorporateUserParams,
): Promise<CorporateUser> {
  const { userId, ...input } = validate(addCorporateUserInput, params)
  const [member] = await mapErrors(() =>
    db
      .insert(corporateUsers)
      .values({ ...input, id: userId })
      .returning(memberColumns),
  )
  return member as CorporateUser
}

type MemberRow = Record<string, unknown> & {
  id: string
  organization_id: string
  role: CorporateUser['role']
  display_name: string
  email: string | null
  created_at: Date | string
  updated_at: Date | string
}

export type ChangeMemberRoleParams = ChangeMemberRoleInput
/**
 * As an OWNER/ADMIN of the organization (inside rls()) or service_role. The rules live in
 * private.change_member_role: only an OWNER grants or takes OWNER, and an organization keeps
 * at least one OWNER (ValidationError). Not allowed → ForbiddenError; no such member →
 * NotFoundError.
 */
export async function changeMemberRole(
  db: DatabaseOrTransaction,
  params: ChangeMemberRoleParams,
): Promise<CorporateUser> {
  const { organizationId, userId, role } = validate(changeMemberRoleInput, params)
  const [row] = await mapErrors(() =>
    executeRows<MemberRow>(
      db,
      sql`select * from private.change_member_role(${organizationId}, ${userId}, ${role})`,
    ),
  )
  if (!row) throw new NotFoundError(`no member ${userId} in organization ${organizationId}`)
  return {
    id: row.id,
    organizationId: row.organization_id,
    role: row.role,
    displayName: row.display_name,
    email: row.email,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  }
}
