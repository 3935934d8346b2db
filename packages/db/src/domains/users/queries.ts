// Users: reading public profiles, a user's own profile and addresses.
// Every function is (db, params): db is a database or a transaction (inside rls() or not).
import { and, asc, desc, eq, getTableColumns, ne } from 'drizzle-orm'
import { z } from 'zod'
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

export type GetGeneralUserParams = { id: string }
export async function getGeneralUser(
  db: DatabaseOrTransaction,
  params: GetGeneralUserParams,
): Promise<GeneralUser> {
  const { id } = validate(z.strictObject({ id: userIdSchema }), params)
  const [user] = await mapErrors(() =>
    db.select(userColumns).from(generalUsers).where(eq(generalUsers.id, id)),
  )
  if (!user) throw new NotFoundError(`no general user ${id}`)
  return user
}

export type GetGeneralUserByAccountNameParams = { accountName: string }
export async function getGeneralUserByAccountName(
  db: DatabaseOrTransaction,
  params: GetGeneralUserByAccountNameParams,
): Promise<GeneralUser> {
  const { accountName } = validate(z.strictObject({ accountName: accountNameSchema }), params)
  const [user] = await mapErrors(() =>
    db.select(userColumns).from(generalUsers).where(eq(generalUsers.accountName, accountName)),
  )
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
        : await tx.select(userColumns).from(generalUsers).where(eq(generalUsers.id, userId))
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
          : await tx
              .select(profileColumns)
              .from(generalUserProfiles)
              .where(eq(generalUserProfiles.userId, userId))
      return { user, profile: profile ?? null }
    }),
  )
}

export type ListAddressesParams = { userId: string }
/** The user's addresses, the default first. */
export async function listAddresses(
  db: DatabaseOrTransaction,
  params: ListAddressesParams,
): Promise<Address[]> {
  const { userId } = validate(z.strictObject({ userId: userIdSchema }), params)
  return mapErrors(() =>
    db
      .select(addressColumns)
      .from(addresses)
      .where(eq(addresses.userId, userId))
      .orderBy(desc(addresses.isDefault), asc(addresses.createdAt), asc(addresses.id)),
  )
}

/**
 * Before a row becomes the default: lock the user's addresses, then clear the old default.
 * The lock makes a concurrent pair queue up, so the second sees the first's default and
 * clears it instead of failing on the one-default unique index.
 */
async function clearDefault(tx: DatabaseOrTransaction, userId: string, keepId?: string) {
  await tx
    .select({ id: addresses.id })
    .from(addresses)
    .where(eq(addresses.userId, userId))
    .for('update')
  const others = keepId ? ne(addresses.id, keepId) : undefined
  await tx
    .update(addresses)
    .set({ isDefault: false })
    .where(and(eq(addresses.userId, userId), eq(addresses.isDefault, true), others))
}

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

export type DeleteAddressParams = { userId: string; id: string }
export async function deleteAddress(
  db: DatabaseOrTransaction,
  params: DeleteAddressParams,
): Promise<void> {
  const { userId, id } = validate(z.strictObject({ userId: userIdSchema, id: cuidSchema }), params)
  const deleted = await mapErrors(() =>
    db
      .delete(addresses)
      .where(and(eq(addresses.id, id), eq(addresses.userId, userId)))
      .returning({ id: addresses.id }),
  )
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
      const [address] = await tx
        .update(addresses)
        .set({ isDefault: true })
        .where(and(eq(addresses.id, id), eq(addresses.userId, userId)))
        .returning(addressColumns)
      if (!address) throw new NotFoundError(`no address ${id} of this user`)
      return address
    }),
  )
}
