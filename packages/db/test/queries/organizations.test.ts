// Organizations queries on both lanes: creation (service path), invitations, members, roles,
// and the invariants every path keeps: only an OWNER makes or unmakes an OWNER, an organization
// always keeps one, nobody joins without accepting, a refusal says nothing about others.
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { executeRows } from '../../src/db/client.ts'
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../../src/errors/errors.ts'
import { pgErrorInfo } from '../../src/errors/pg-error.ts'
import {
  acceptInvitation,
  addCorporateUser,
  changeMemberRole,
  createOrganization,
  declineInvitation,
  inviteMember,
  listInvitations,
  listMembers,
  listMyInvitations,
  removeMember,
} from '../../src/queries.ts'
import { asServiceRole, asUser, createTestUser, type TestUser } from '../../src/testing/index.ts'
import { itOnServer, lane, openTestDatabase, type TestDatabase } from '../lanes.ts'

let t: TestDatabase
let owner: TestUser
let admin: TestUser
let member: TestUser
let outsider: TestUser
let orgId: string
let otherOrgId: string
let otherOwner: TestUser

const user = (name: string) => createTestUser(t.db, { metadata: { account_name: name } })
const newOrganization = async (slug: string, first: TestUser) =>
  (
    await asServiceRole(t.db, (tx) =>
      createOrganization(tx, { name: slug, slug, ownerId: first.id, ownerDisplayName: slug }),
    )
  ).organization.id
/** Invited by `by`, accepted by `who`: the only way in for a user. */
async function join(organizationId: string, by: TestUser, who: TestUser, role: 'ADMIN' | 'MEMBER') {
  await asUser(t.db, by, (tx) => inviteMember(tx, { organizationId, memberId: who.id, role }))
  return asUser(t.db, who, (tx) =>
    acceptInvitation(tx, { organizationId, displayName: who.accountName }),
  )
}
const errorOf = (p: Promise<unknown>) => p.then(() => undefined).catch((e: unknown) => e as Error)

beforeAll(async () => {
  t = await openTestDatabase()
  ;[owner, admin, member, outsider, otherOwner] = (await Promise.all(
    ['owner', 'admin', 'member', 'outsider', 'other_owner'].map(user),
  )) as [TestUser, TestUser, TestUser, TestUser, TestUser]
  orgId = (
    await asServiceRole(t.db, (tx) =>
      createOrganization(tx, {
        name: 'Acme',
        slug: 'acme',
        ownerId: owner.id,
        ownerDisplayName: 'Olive Owner',
      }),
    )
  ).organization.id
  otherOrgId = await newOrganization('globex', otherOwner)
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

  it('members join by accepting an invitation; a MEMBER or outsider cannot invite', async () => {
    const invitation = await asUser(t.db, owner, (tx) =>
      inviteMember(tx, { organizationId: orgId, memberId: admin.id, role: 'ADMIN' }),
    )
    expect(invitation).toMatchObject({ inviteeId: admin.id, role: 'ADMIN', invitedBy: owner.id })
    // Not a member until they accept; they see the invitation, the admins of Acme see it too.
    expect((await listMembers(t.db, { organizationId: orgId })).map((m) => m.id)).toEqual([
      owner.id,
    ])
    expect(
      await asUser(t.db, admin, (tx) => listMyInvitations(tx, { userId: admin.id })),
    ).toMatchObject([{ organizationId: orgId, role: 'ADMIN' }])
    await expect(
      asUser(t.db, outsider, (tx) => listInvitations(tx, { organizationId: orgId })),
    ).rejects.toThrow(NotFoundError)
    const joined = await asUser(t.db, admin, (tx) =>
      acceptInvitation(tx, { organizationId: orgId, displayName: 'Ada' }),
    )
    expect(joined).toMatchObject({ id: admin.id, role: 'ADMIN', displayName: 'Ada' })
    // Rows from the membership functions come back as the query builder's would.
    expect(joined.createdAt).toBeInstanceOf(Date)
    expect(invitation.createdAt).toBeInstanceOf(Date)
    expect(await asUser(t.db, admin, (tx) => listMyInvitations(tx, { userId: admin.id }))).toEqual(
      [],
    )
    await join(orgId, admin, member, 'MEMBER')
    await expect(
      asUser(t.db, member, (tx) =>
        inviteMember(tx, { organizationId: orgId, memberId: outsider.id, role: 'MEMBER' }),
      ),
    ).rejects.toThrow(ForbiddenError)
    await expect(
      asUser(t.db, outsider, (tx) =>
        inviteMember(tx, { organizationId: orgId, memberId: outsider.id, role: 'MEMBER' }),
      ),
    ).rejects.toThrow(NotFoundError)
    const again = await errorOf(
      asUser(t.db, owner, (tx) =>
        inviteMember(tx, { organizationId: orgId, memberId: member.id, role: 'MEMBER' }),
      ),
    )
    expect(again).toBeInstanceOf(ConflictError)
    expect((again as ConflictError).field).toBe('id')
  })

  it('an invitation is accepted only by its invitee, and only once', async () => {
    const guest = await user('guest')
    await expect(
      asUser(t.db, guest, (tx) =>
        acceptInvitation(tx, { organizationId: orgId, displayName: 'G' }),
      ),
    ).rejects.toThrow(NotFoundError)
    await asUser(t.db, admin, (tx) =>
      inviteMember(tx, { organizationId: orgId, memberId: guest.id, role: 'MEMBER' }),
    )
    // Server code cannot accept in the invitee's name.
    await expect(
      asServiceRole(t.db, (tx) =>
        acceptInvitation(tx, { organizationId: orgId, displayName: 'G' }),
      ),
    ).rejects.toThrow(NotFoundError)
    await asUser(t.db, guest, (tx) =>
      declineInvitation(tx, { organizationId: orgId, memberId: guest.id }),
    )
    await expect(
      asUser(t.db, guest, (tx) =>
        acceptInvitation(tx, { organizationId: orgId, displayName: 'G' }),
      ),
    ).rejects.toThrow(NotFoundError)
    // A member of another organization accepts → ConflictError (one organization per person).
    await asUser(t.db, owner, (tx) =>
      inviteMember(tx, { organizationId: orgId, memberId: otherOwner.id, role: 'MEMBER' }),
    )
    const taken = await errorOf(
      asUser(t.db, otherOwner, (tx) =>
        acceptInvitation(tx, { organizationId: orgId, displayName: 'X' }),
      ),
    )
    expect(taken).toBeInstanceOf(ConflictError)
    await asUser(t.db, owner, (tx) =>
      declineInvitation(tx, { organizationId: orgId, memberId: otherOwner.id }),
    )
  })

  it('only an OWNER offers OWNER or withdraws an OWNER invitation', async () => {
    const candidate = await user('candidate')
    await expect(
      asUser(t.db, admin, (tx) =>
        inviteMember(tx, { organizationId: orgId, memberId: candidate.id, role: 'OWNER' }),
      ),
    ).rejects.toThrow(ForbiddenError)
    await asUser(t.db, owner, (tx) =>
      inviteMember(tx, { organizationId: orgId, memberId: candidate.id, role: 'OWNER' }),
    )
    await expect(
      asUser(t.db, admin, (tx) =>
        declineInvitation(tx, { organizationId: orgId, memberId: candidate.id }),
      ),
    ).rejects.toThrow(ForbiddenError)
    await asUser(t.db, owner, (tx) =>
      declineInvitation(tx, { organizationId: orgId, memberId: candidate.id }),
    )
  })

  it('lists members to colleagues only', async () => {
    const seen = await asUser(t.db, member, (tx) => listMembers(tx, { organizationId: orgId }))
    expect(seen.map((m) => m.role)).toEqual(['OWNER', 'ADMIN', 'MEMBER'])
    // Not a member: the organization answers as one that does not exist.
    for (const organizationId of [orgId, 'z00000000000000000000000']) {
      const error = await errorOf(
        asUser(t.db, outsider, (tx) => listMembers(tx, { organizationId })),
      )
      expect(error).toBeInstanceOf(NotFoundError)
      expect((error as NotFoundError).field).toBe('organizationId')
    }
  })

  it('changes roles by the rules: OWNER/ADMIN only, OWNER only by an OWNER, one OWNER kept', async () => {
    const promoted = await asUser(t.db, admin, (tx) =>
      changeMemberRole(tx, { organizationId: orgId, memberId: member.id, role: 'ADMIN' }),
    )
    expect(promoted.role).toBe('ADMIN')
    await expect(
      asUser(t.db, admin, (tx) =>
        changeMemberRole(tx, { organizationId: orgId, memberId: member.id, role: 'OWNER' }),
      ),
    ).rejects.toThrow(ForbiddenError)
    await expect(
      asUser(t.db, outsider, (tx) =>
        changeMemberRole(tx, { organizationId: orgId, memberId: member.id, role: 'MEMBER' }),
      ),
    ).rejects.toThrow(NotFoundError)
    await expect(
      asUser(t.db, owner, (tx) =>
        changeMemberRole(tx, { organizationId: orgId, memberId: owner.id, role: 'MEMBER' }),
      ),
    ).rejects.toThrow(/at least one OWNER/)
    await expect(
      asUser(t.db, owner, (tx) =>
        changeMemberRole(tx, { organizationId: orgId, memberId: outsider.id, role: 'MEMBER' }),
      ),
    ).rejects.toThrow(NotFoundError)
    const back = await asServiceRole(t.db, (tx) =>
      changeMemberRole(tx, { organizationId: orgId, memberId: member.id, role: 'MEMBER' }),
    )
    expect(back.role).toBe('MEMBER')
  })

  it('members leave; OWNER/ADMIN remove; only an OWNER removes an OWNER; the last OWNER stays', async () => {
    const temp = await user('temp')
    await join(orgId, owner, temp, 'MEMBER')
    await expect(
      asUser(t.db, member, (tx) => removeMember(tx, { organizationId: orgId, memberId: temp.id })),
    ).rejects.toThrow(ForbiddenError)
    await asUser(t.db, temp, (tx) => removeMember(tx, { organizationId: orgId, memberId: temp.id }))
    await join(orgId, owner, temp, 'MEMBER')
    await asUser(t.db, admin, (tx) =>
      removeMember(tx, { organizationId: orgId, memberId: temp.id }),
    )
    await expect(
      asUser(t.db, admin, (tx) => removeMember(tx, { organizationId: orgId, memberId: owner.id })),
    ).rejects.toThrow(ForbiddenError)
    const last = await errorOf(
      asUser(t.db, owner, (tx) => removeMember(tx, { organizationId: orgId, memberId: owner.id })),
    )
    expect(last).toBeInstanceOf(ValidationError)
    expect(String(last)).toMatch(/at least one OWNER/)
    // Not even server code (or the owner's own SQL) leaves an organization without an OWNER.
    const direct = await errorOf(
      asServiceRole(t.db, (tx) =>
        executeRows(tx, sql`delete from public.corporate_users where id = ${owner.id}`),
      ),
    )
    expect(pgErrorInfo(direct)).toMatchObject({ code: '23514', message: /at least one OWNER/ })
    expect(
      (await listMembers(t.db, { organizationId: orgId })).filter((m) => m.role === 'OWNER'),
    ).toHaveLength(1)
  })

  it('refuses an outsider in one way, whether the organization or the member exists or not', async () => {
    const ghostOrg = 'z00000000000000000000000'
    const ghostUser = '00000000-0000-4000-8000-000000000000'
    const attempts = [
      (organizationId: string, userId: string) =>
        asUser(t.db, outsider, (tx) => removeMember(tx, { organizationId, memberId: userId })),
      (organizationId: string, userId: string) =>
        asUser(t.db, outsider, (tx) =>
          changeMemberRole(tx, { organizationId, memberId: userId, role: 'ADMIN' }),
        ),
      (organizationId: string, userId: string) =>
        asUser(t.db, outsider, (tx) =>
          inviteMember(tx, { organizationId, memberId: userId, role: 'MEMBER' }),
        ),
      (organizationId: string, userId: string) =>
        asUser(t.db, outsider, (tx) => declineInvitation(tx, { organizationId, memberId: userId })),
      // An ADMIN of another organization is an outsider here too.
      (organizationId: string, userId: string) =>
        asUser(t.db, admin, (tx) => removeMember(tx, { organizationId, memberId: userId })),
    ]
    for (const attempt of attempts) {
      const answers = await Promise.all(
        [
          [otherOrgId, otherOwner.id], // exists, and is a member
          [otherOrgId, ghostUser], // exists, no such member
          [ghostOrg, otherOwner.id], // no such organization
        ].map(async ([o, u]) => {
          const e = await errorOf(attempt(o as string, u as string))
          return `${e?.name}: ${e?.message}`
        }),
      )
      expect(new Set(answers).size, answers.join(' | ')).toBe(1)
      expect(answers[0]).toMatch(/^NotFoundError/)
    }
  })

  it('addCorporateUser is server code only: a user cannot enrol anyone', async () => {
    const enrolled = await user('enrolled')
    await expect(
      asUser(t.db, owner, (tx) =>
        addCorporateUser(tx, {
          organizationId: orgId,
          memberId: enrolled.id,
          role: 'MEMBER',
          displayName: 'E',
        }),
      ),
    ).rejects.toThrow(ForbiddenError)
    const added = await asServiceRole(t.db, (tx) =>
      addCorporateUser(tx, {
        organizationId: orgId,
        memberId: enrolled.id,
        role: 'MEMBER',
        displayName: 'E',
      }),
    )
    expect(added.role).toBe('MEMBER')
  })

  it('deleting an organization, or the account of its last OWNER, is not blocked', async () => {
    const solo = await user('solo')
    const soloOrg = await newOrganization('solo-org', solo)
    await executeRows(t.db, sql`delete from auth.users where id = ${solo.id}`)
    const count = async (organizationId: string) =>
      (
        await executeRows<{ n: number }>(
          t.db,
          sql`select count(*)::int as n from public.corporate_users where organization_id = ${organizationId}`,
        )
      )[0]?.n
    expect(await count(soloOrg)).toBe(0)
    const gone = await user('gone')
    const goneOrg = await newOrganization('gone-org', gone)
    await executeRows(t.db, sql`delete from public.organizations where id = ${goneOrg}`)
    expect(await count(goneOrg)).toBe(0)
  })

  itOnServer(
    'two OWNERs demoting each other at once never leave the organization without one',
    async () => {
      for (let round = 0; round < 10; round++) {
        const [a, b] = await Promise.all([user(`duel_a_${round}`), user(`duel_b_${round}`)])
        const duelOrg = await newOrganization(`duel-${round}`, a)
        await join(duelOrg, a, b, 'MEMBER')
        await asUser(t.db, a, (tx) =>
          changeMemberRole(tx, { organizationId: duelOrg, memberId: b.id, role: 'OWNER' }),
        )
        const results = await Promise.allSettled([
          asUser(t.db, a, (tx) =>
            changeMemberRole(tx, { organizationId: duelOrg, memberId: b.id, role: 'ADMIN' }),
          ),
          asUser(t.db, b, (tx) =>
            changeMemberRole(tx, { organizationId: duelOrg, memberId: a.id, role: 'ADMIN' }),
          ),
        ])
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
        const owners = (await listMembers(t.db, { organizationId: duelOrg })).filter(
          (m) => m.role === 'OWNER',
        )
        expect(owners).toHaveLength(1)
      }
    },
  )
})
