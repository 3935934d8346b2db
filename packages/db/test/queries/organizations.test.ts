// Organizations queries on both lanes: creation (service path), members, roles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../src/errors'
import {
  addCorporateUser,
  changeMemberRole,
  createOrganization,
  listMembers,
} from '../../src/queries'
import { asServiceRole, asUser, createTestUser, type TestUser } from '../../src/testing'
import { lane, openTestDatabase, type TestDatabase } from '../lanes'

let t: TestDatabase
let owner: TestUser
let admin: TestUser
let member: TestUser
let outsider: TestUser
let orgId: string
beforeAll(async () => {
  t = await openTestDatabase()
  ;[owner, admin, member, outsider] = (await Promise.all(
    ['owner', 'admin', 'member', 'outsider'].map((name) =>
      createTestUser(t.db, { metadata: { account_name: name } }),
    ),
  )) as [TestUser, TestUser, TestUser, TestUser]
  const { organization } = await asServiceRole(t.db, (tx) =>
    createOrganization(tx, {
      name: 'Acme',
      slug: 'acme',
      ownerId: owner.id,
      ownerDisplayName: 'Olive Owner',
    }),
  )
  orgId = organization.id
})
afterAll(() => t?.close())

describe(`organizations queries (${lane})`, () => {
  it('creates an organization with its OWNER; a taken slug is a ConflictError on slug', async () => {
    const members = await listMembers(t.db, { organizationId: orgId })
    expect(members).toMatchObject([{ id: owner.id, role: 'OWNER', displayName: 'Olive Owner' }])
    const error = await asServiceRole(t.db, (tx) =>
      createOrganization(tx, {
        name: 'Other',
        slug: 'acme',
        ownerId: outsider.id,
        ownerDisplayName: 'O',
      }),
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConflictError)
    expect((error as ConflictError).field).toBe('slug')
    await expect(
      createOrganization(t.db, {
        name: 'x',
        slug: 'Bad Slug',
        ownerId: outsider.id,
        ownerDisplayName: 'O',
      }),
    ).rejects.toThrow(ValidationError)
  })

  it('an OWNER adds corporate users; a MEMBER or outsider cannot', async () => {
    await asUser(t.db, owner, (tx) =>
      addCorporateUser(tx, {
        organizationId: orgId,
        userId: admin.id,
        role: 'ADMIN',
        displayName: 'Ada',
      }),
    )
    await asUser(t.db, owner, (tx) =>
      addCorporateUser(tx, {
        organizationId: orgId,
        userId: member.id,
        role: 'MEMBER',
        displayName: 'Mo',
      }),
    )
    await expect(
      asUser(t.db, member, (tx) =>
        addCorporateUser(tx, {
          organizationId: orgId,
          userId: outsider.id,
          role: 'MEMBER',
          displayName: 'X',
        }),
      ),
    ).rejects.toThrow(ForbiddenError)
    const duplicate = await asUser(t.db, owner, (tx) =>
      addCorporateUser(tx, {
        organizationId: orgId,
        userId: member.id,
        role: 'MEMBER',
        displayName: 'Mo',
      }),
    ).catch((e: unknown) => e)
    expect(duplicate).toBeInstanceOf(ConflictError)
    expect((duplicate as ConflictError).field).toBe('id')
  })

  it('lists members to colleagues only', async () => {
    const seen = await asUser(t.db, member, (tx) => listMembers(tx, { organizationId: orgId }))
    expect(seen.map((m) => m.role)).toEqual(['OWNER', 'ADMIN', 'MEMBER'])
    expect(
      await asUser(t.db, outsider, (tx) => listMembers(tx, { organizationId: orgId })),
    ).toEqual([])
  })

  it('changes roles by the rules: OWNER/ADMIN only, OWNER only by an OWNER, one OWNER kept', async () => {
    const promoted = await asUser(t.db, admin, (tx) =>
      changeMemberRole(tx, { organizationId: orgId, userId: member.id, role: 'ADMIN' }),
    )
    expect(promoted.role).toBe('ADMIN')
    await expect(
      asUser(t.db, admin, (tx) =>
        changeMemberRole(tx, { organizationId: orgId, userId: member.id, role: 'OWNER' }),
      ),
    ).rejects.toThrow(ForbiddenError)
    await expect(
      asUser(t.db, outsider, (tx) =>
        changeMemberRole(tx, { organizationId: orgId, userId: member.id, role: 'MEMBER' }),
      ),
    ).rejects.toThrow(ForbiddenError)
    await expect(
      asUser(t.db, owner, (tx) =>
        changeMemberRole(tx, { organizationId: orgId, userId: owner.id, role: 'MEMBER' }),
      ),
    ).rejects.toThrow(/at least one OWNER/)
    await expect(
      asUser(t.db, owner, (tx) =>
        changeMemberRole(tx, { organizationId: orgId, userId: outsider.id, role: 'MEMBER' }),
      ),
    ).rejects.toThrow(NotFoundError)
    const back = await asServiceRole(t.db, (tx) =>
      changeMemberRole(tx, { organizationId: orgId, userId: member.id, role: 'MEMBER' }),
    )
    expect(back.role).toBe('MEMBER')
  })
})
