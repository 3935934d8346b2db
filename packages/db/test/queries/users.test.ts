// Users queries on both lanes: happy paths, typed errors, and rls() as the right/wrong user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NotFoundError, ValidationError } from '../../src/errors/errors.ts'
import {
  addAddress,
  deleteAddress,
  getGeneralUser,
  getGeneralUserByAccountName,
  listAddresses,
  setDefaultAddress,
  updateAddress,
  updateMyProfile,
} from '../../src/queries.ts'
import { asUser, createTestUser, type TestUser } from '../../src/testing/index.ts'
import { lane, openTestDatabase, type TestDatabase } from '../lanes.ts'

let t: TestDatabase
let alice: TestUser
let bob: TestUser
beforeAll(async () => {
  t = await openTestDatabase()
  alice = await createTestUser(t.db, { metadata: { account_name: 'alice', name: 'Alice' } })
  bob = await createTestUser(t.db, { metadata: { account_name: 'bob', name: 'Bob' } })
})
afterAll(() => t?.close())

const home = { postalCode: '100-0001', country: 'JP' as const, city: 'Tokyo', line1: '1-1' }

describe(`users queries (${lane})`, () => {
  it('reads a general user by id and by account name, for anyone', async () => {
    const byId = await asUser(t.db, bob, (tx) => getGeneralUser(tx, { id: alice.id }))
    expect(byId).toMatchObject({ id: alice.id, accountName: 'alice', displayName: 'Alice' })
    const byName = await t.db.rls({}, (tx) =>
      getGeneralUserByAccountName(tx, { accountName: 'alice' }),
    )
    expect(byName.id).toBe(alice.id)
  })

  it('says NotFound and Validation precisely', async () => {
    await expect(
      getGeneralUser(t.db, { id: '00000000-0000-4000-8000-000000000000' }),
    ).rejects.toThrow(NotFoundError)
    await expect(getGeneralUserByAccountName(t.db, { accountName: 'nobody_here' })).rejects.toThrow(
      NotFoundError,
    )
    const error = await getGeneralUser(t.db, { id: 'not-a-uuid' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).issues[0]?.path).toEqual(['id'])
    expect((error as Error).message).not.toContain('\n')
  })

  it('updates the own profile, creating the profile row on first use', async () => {
    const result = await asUser(t.db, alice, (tx) =>
      updateMyProfile(tx, { userId: alice.id, displayName: 'Alice A.', bio: 'hello' }),
    )
    expect(result.user.displayName).toBe('Alice A.')
    expect(result.profile).toMatchObject({ userId: alice.id, bio: 'hello' })
    const again = await asUser(t.db, alice, (tx) =>
      updateMyProfile(tx, { userId: alice.id, website: 'https://alice.example' }),
    )
    expect(again.profile).toMatchObject({ bio: 'hello', website: 'https://alice.example' })
  })

  it("cannot update someone else's profile under rls()", async () => {
    await expect(
      asUser(t.db, bob, (tx) => updateMyProfile(tx, { userId: alice.id, displayName: 'Hacked' })),
    ).rejects.toThrow(NotFoundError)
    await expect(
      asUser(t.db, bob, (tx) => updateMyProfile(tx, { userId: alice.id, bio: 'hacked' })),
    ).rejects.toThrow(/not allowed|row-level security/)
    expect((await getGeneralUser(t.db, { id: alice.id })).displayName).toBe('Alice A.')
  })

  it('keeps one default address: add, update, set default, delete', async () => {
    const first = await asUser(t.db, alice, (tx) =>
      addAddress(tx, { userId: alice.id, ...home, isDefault: true }),
    )
    const second = await asUser(t.db, alice, (tx) =>
      addAddress(tx, { userId: alice.id, ...home, city: 'Osaka', isDefault: true }),
    )
    let list = await asUser(t.db, alice, (tx) => listAddresses(tx, { userId: alice.id }))
    expect(list.map((a) => [a.id, a.isDefault])).toEqual([
      [second.id, true],
      [first.id, false],
    ])
    await asUser(t.db, alice, (tx) => setDefaultAddress(tx, { userId: alice.id, id: first.id }))
    const updated = await asUser(t.db, alice, (tx) =>
      updateAddress(tx, { userId: alice.id, id: second.id, line2: 'Room 2' }),
    )
    expect(updated).toMatchObject({ line2: 'Room 2', isDefault: false })
    list = await asUser(t.db, alice, (tx) => listAddresses(tx, { userId: alice.id }))
    expect(list.filter((a) => a.isDefault).map((a) => a.id)).toEqual([first.id])
    await asUser(t.db, alice, (tx) => deleteAddress(tx, { userId: alice.id, id: second.id }))
    await expect(
      asUser(t.db, alice, (tx) => deleteAddress(tx, { userId: alice.id, id: second.id })),
    ).rejects.toThrow(NotFoundError)
  })

  it("hides and protects another user's addresses", async () => {
    const [mine] = await asUser(t.db, alice, (tx) => listAddresses(tx, { userId: alice.id }))
    const id = mine?.id as string
    expect(await asUser(t.db, bob, (tx) => listAddresses(tx, { userId: alice.id }))).toEqual([])
    await expect(
      asUser(t.db, bob, (tx) => updateAddress(tx, { userId: bob.id, id, city: 'Nara' })),
    ).rejects.toThrow(NotFoundError)
    await expect(
      asUser(t.db, bob, (tx) => setDefaultAddress(tx, { userId: alice.id, id })),
    ).rejects.toThrow(NotFoundError)
    await expect(
      asUser(t.db, bob, (tx) => addAddress(tx, { userId: alice.id, ...home })),
    ).rejects.toThrow(/not allowed/)
    await expect(
      addAddress(t.db, { userId: alice.id, ...home, country: 'XX' as 'JP' }),
    ).rejects.toThrow(ValidationError)
  })

  it('a concurrent pair of set-default calls never breaks the one-default rule', async () => {
    const a = await addAddress(t.db, { userId: bob.id, ...home })
    const b = await addAddress(t.db, { userId: bob.id, ...home, city: 'Kobe' })
    for (let round = 0; round < 5; round++) {
      await Promise.all([
        asUser(t.db, bob, (tx) => setDefaultAddress(tx, { userId: bob.id, id: a.id })),
        asUser(t.db, bob, (tx) => setDefaultAddress(tx, { userId: bob.id, id: b.id })),
      ])
      const defaults = (await listAddresses(t.db, { userId: bob.id })).filter((x) => x.isDefault)
      expect(defaults).toHaveLength(1)
    }
  })
})
