// Users: reading public profiles, a user's own profile and addresses.
// Every function is (db, params): db is a database or a transaction (inside rls() or not).
import { and, asc, desc, eq, getTableColumns, ne } from 'drizzle-orm'
import { z } from 'zod'
import { cached, type Params } from '../../db/statement-cache.ts'
import type { DatabaseOrTransaction } from '../../db/types.ts'
import { actorAndInput, cuidSchema, userIdSchema, validate } from '../../dto-kit/validation.ts'
import { NotFoundError } from '../../errors/errors.ts'
import { mapErrors } from '../../errors/map.ts'
import { addresses } from './addresses.ts'
import {
  type Address,
  accountNameSchema,
  addAddressInput,
  type GeneralUser,
  type GeneralUserProfile,
  type UpdateAddressInput,
  type UpdateProfileInput,
  updateAddressInput,
  updateProfileInput,
} from './dto.ts'
import { generalUsers } from './general-users.ts'
import { generalUserProfiles } from './profiles.ts'

const userColumns = getTableColumns(generalUsers)
const profileColumns = getTableColumns(generalUserProfiles)
const addressColumns = getTableColumns(addresses)

// Each fixed-shape statement is built once (src/db/statement-cache.ts). Partial updates and
// inserts whose columns depend on the input (updateMyProfile, addAddress, updateAddress) are
// a different statement for each set of fields given, so they are still built per call.
const userById = cached('users.byId', (q, $: Params<{ id: string }>) =>
  q
    .select(userColumns)
    .from(generalUsers)
    .where(eq(generalUsers.id, $('id', generalUsers.id))),
)
const userByAccountName = cached('users.byAccountName', (q, $: Params<{ accountName: string }>) =>
  q
    .select(userColumns)
    .from(generalUsers)
    .where(eq(generalUsers.accountName, $('accountName', generalUsers.accountName))),
)
const profileOf = cached('users.profileOf', (q, $: Params<{ userId: string }>) =>
  q
    .select(profileColumns)
    .from(generalUserProfiles)
    .where(eq(generalUserProfiles.userId, $('userId', generalUserProfiles.userId))),
)

export type GetGeneralUserParams = { id: string }
export async function getGeneralUser(
  db: DatabaseOrTransaction,
  params: GetGeneralUserParams,
): Promise<GeneralUser> {
  const { id } = validate(z.strictObject({ id: userIdSchema }), params)
  const [user] = await mapErrors(() => userById.run(db, { id }))
  if (!user) throw new NotFoundError(`no general user ${id}`)
  return user
}

export type GetGeneralUserByAccountNameParams = { accountName: string }
export async function getGeneralUserByAccountName(
  db: DatabaseOrTransaction,
  params: GetGeneralUserByAccountNameParams,
): Promise<GeneralUser> {
  const { accountName } = validate(z.strictObject({ accountName: accountNameSchema }), params)
  const [user] = await mapErrors(() => userByAccountName.run(db, { accountName }))
  if (!user) throw new NotFoundError(`no general user @${accountName}`)
  return user
}

export type UpdateMyProfileParams = { userId: string } & UpdateProfileInput
export type MyProfile = { user: GeneralUser; profile: GeneralUserProfile | null }
/** Changes the user's display name / avatar and profile fields; a taken name is a ConflictError. */
export async function updateMyProfile(
  db: DatabaseOrTransaction,
  params: UpdateMyProfileParams,
): Promise<MyProfile> {
  const { userId, input } = actorAndInput(updateProfileInput, params)
  const { displayName, avatarUrl, ...profileFields } = input
  return mapErrors(() =>
    db.transaction(async (tx) => {
      const userChanges = { displayName, avatarUrl }
      const [user] = Object.values(userChanges).some((v) => v !== undefined)
        ? await tx
            .update(generalUsers)
            .set(userChanges)
            .where(eq(generalUsers.id, userId))
            .returning(userColumns)
        : await userById.run(tx, { id: userId })
      if (!user) throw new NotFoundError(`no general user ${userId}`)
      const profileChanges = Object.fromEntries(
        Object.entries(profileFields).filter(([, v]) => v !== undefined),
      )
      const [profile] =
        Object.keys(profileChanges).length > 0
          ? await tx
              .insert(generalUserProfiles)
              .values({ userId, ...profileChanges })
              .onConflictDoUpdate({ target: generalUserProfiles.userId, set: profileChanges })
              .returning(profileColumns)
          : await profileOf.run(tx, { userId })
      return { user, profile: profile ?? null }
    }),
  )
}

const addressesOf = cached('users.addressesOf', (q, $: Params<{ userId: string }>) =>
  q
    .select(addressColumns)
    .from(addresses)
    .where(eq(addresses.userId, $('userId', addresses.userId)))
    .orderBy(desc(addresses.isDefault), asc(addresses.createdAt), asc(addresses.id)),
)

export type ListAddressesParams = { userId: string }
/** The user's addresses, the default first. */
export async function listAddresses(
  db: DatabaseOrTransaction,
  params: ListAddressesParams,
): Promise<Address[]> {
  const { userId } = validate(z.strictObject({ userId: userIdSchema }), params)
  return mapErrors(() => addressesOf.run(db, { userId }))
}

/**
 * Before a row becomes the default: lock the user's addresses, then clear the old default.
 * The lock makes a concurrent pair queue up, so the second sees the first's default and
 * clears it instead of failing on the one-default unique index.
 */
async function clearDefault(tx: DatabaseOrTransaction, userId: string, keepId?: string) {
  await lockAddresses.run(tx, { userId })
  await (keepId === undefined
    ? clearAnyDefault.run(tx, { userId })
    : clearOtherDefault.run(tx, { userId, keepId }))
}
const lockAddresses = cached('users.lockAddresses', (q, $: Params<{ userId: string }>) =>
  q
    .select({ id: addresses.id })
    .from(addresses)
    .where(eq(addresses.userId, $('userId', addresses.userId)))
    .for('update'),
)
type ClearValues = { userId: string; keepId: string }
const clearDefaultWhere = ($: Params<ClearValues>, others?: ReturnType<typeof ne>) =>
  and(eq(addresses.userId, $('userId', addresses.userId)), eq(addresses.isDefault, true), others)
// Two shapes: every default of the user, or every one but the address about to become it.
const clearAnyDefault = cached('users.clearDefault', (q, $: Params<Omit<ClearValues, 'keepId'>>) =>
  q
    .update(addresses)
    .set({ isDefault: false })
    .where(clearDefaultWhere($ as Params<ClearValues>)),
)
const clearOtherDefault = cached('users.clearOtherDefault', (q, $: Params<ClearValues>) =>
  q
    .update(addresses)
    .set({ isDefault: false })
    .where(clearDefaultWhere($, ne(addresses.id, $('keepId', addresses.id)))),
)

export type AddAddressParams = { userId: string } & z.input<typeof addAddressInput>
export async function addAddress(
  db: DatabaseOrTransaction,
  params: AddAddressParams,
): Promise<Address> {
  const { userId, input } = actorAndInput(addAddressInput, params)
  return mapErrors(() =>
    db.transaction(async (tx) => {
      if (input.isDefault) await clearDefault(tx, userId)
      const [address] = await tx
        .insert(addresses)
        .values({ ...input, userId })
        .returning(addressColumns)
      return address as Address
    }),
  )
}

export type UpdateAddressParams = { userId: string } & UpdateAddressInput
export async function updateAddress(
  db: DatabaseOrTransaction,
  params: UpdateAddressParams,
): Promise<Address> {
  const { userId, input } = actorAndInput(updateAddressInput, params)
  const { id, ...changes } = input
  return mapErrors(() =>
    db.transaction(async (tx) => {
      if (changes.isDefault) await clearDefault(tx, userId, id)
      const [address] = await tx
        .update(addresses)
        .set(changes)
        .where(and(eq(addresses.id, id), eq(addresses.userId, userId)))
        .returning(addressColumns)
      if (!address) throw new NotFoundError(`no address ${id} of this user`)
      return address
    }),
  )
}

type OwnAddress = { id: string; userId: string }
const ownAddress = ($: Params<OwnAddress>) =>
  and(eq(addresses.id, $('id', addresses.id)), eq(addresses.userId, $('userId', addresses.userId)))
const deleteOwnAddress = cached('users.deleteAddress', (q, $: Params<OwnAddress>) =>
  q.delete(addresses).where(ownAddress($)).returning({ id: addresses.id }),
)
const makeDefault = cached('users.makeDefault', (q, $: Params<OwnAddress>) =>
  q.update(addresses).set({ isDefault: true }).where(ownAddress($)).returning(addressColumns),
)

export type DeleteAddressParams = { userId: string; id: string }
export async function deleteAddress(
  db: DatabaseOrTransaction,
  params: DeleteAddressParams,
): Promise<void> {
  const { userId, id } = validate(z.strictObject({ userId: userIdSchema, id: cuidSchema }), params)
  const deleted = await mapErrors(() => deleteOwnAddress.run(db, { id, userId }))
  if (deleted.length === 0) throw new NotFoundError(`no address ${id} of this user`)
}

export type SetDefaultAddressParams = { userId: string; id: string }
/** Makes one address the default, atomically: the one-default rule never fails a concurrent pair. */
export async function setDefaultAddress(
  db: DatabaseOrTransaction,
  params: SetDefaultAddressParams,
): Promise<Address> {
  const { userId, id } = validate(z.strictObject({ userId: userIdSchema, id: cuidSchema }), params)
  return mapErrors(() =>
    db.transaction(async (tx) => {
      await clearDefault(tx, userId, id)
      const [address] = await makeDefault.run(tx, { id, userId })
      if (!address) throw new NotFoundError(`no address ${id} of this user`)
      return address
    }),
  )
}
