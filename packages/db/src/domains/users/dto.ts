import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod'
import { z } from 'zod'
import {
  cuidSchema,
  displayNameSchema,
  httpUrlSchema,
  insertOptional,
  trimmedText,
} from '../../dto-kit/validation'
import { countryCodes } from '../../schema-kit/countries'
import { addresses } from './addresses'
import { generalUsers } from './general-users'
import { generalUserProfiles } from './profiles'

// The CHECK's own pattern. ASCII only, so UTF-16 and code-point lengths agree.
export const accountNameSchema = z.string().regex(/^[a-z0-9_]{3,30}$/, 'Invalid account name')

// ISO dates compare as strings; the database rejects anything before this day.
const MIN_BIRTHDAY = '1900-01-01'

export const birthdaySchema = z.iso
  .date()
  .refine((day) => day >= MIN_BIRTHDAY, `Must be on or after ${MIN_BIRTHDAY}`)

export const countrySchema = z.enum(countryCodes)

// general_users

const generalUserFields = {
  displayName: () => displayNameSchema,
  accountName: () => accountNameSchema,
  avatarUrl: () => httpUrlSchema,
}

export const generalUserSelectSchema = createSelectSchema(generalUsers, generalUserFields)
export const generalUserInsertSchema = createInsertSchema(generalUsers, generalUserFields).partial(
  insertOptional(generalUsers),
)
export const generalUserUpdateSchema = createUpdateSchema(generalUsers, generalUserFields)

export type GeneralUser = z.infer<typeof generalUserSelectSchema>
export type NewGeneralUser = z.infer<typeof generalUserInsertSchema>
export type GeneralUserUpdate = z.infer<typeof generalUserUpdateSchema>

// general_user_profiles

const generalUserProfileFields = {
  bio: () => trimmedText({ max: 1000 }),
  birthday: () => birthdaySchema,
  website: () => httpUrlSchema,
  location: () => trimmedText({ max: 100 }),
}

export const generalUserProfileSelectSchema = createSelectSchema(
  generalUserProfiles,
  generalUserProfileFields,
)
export const generalUserProfileInsertSchema = createInsertSchema(
  generalUserProfiles,
  generalUserProfileFields,
).partial(insertOptional(generalUserProfiles))
export const generalUserProfileUpdateSchema = createUpdateSchema(
  generalUserProfiles,
  generalUserProfileFields,
)

export type GeneralUserProfile = z.infer<typeof generalUserProfileSelectSchema>
export type NewGeneralUserProfile = z.infer<typeof generalUserProfileInsertSchema>
export type GeneralUserProfileUpdate = z.infer<typeof generalUserProfileUpdateSchema>

// addresses

const addressFields = {
  id: () => cuidSchema,
  label: () => trimmedText({ max: 50 }),
  postalCode: () => trimmedText({ min: 1, max: 20 }),
  country: () => countrySchema,
  region: () => trimmedText({ max: 100 }),
  city: () => trimmedText({ min: 1, max: 100 }),
  line1: () => trimmedText({ min: 1, max: 200 }),
  line2: () => trimmedText({ max: 200 }),
}

export const addressSelectSchema = createSelectSchema(addresses, addressFields)
export const addressInsertSchema = createInsertSchema(addresses, addressFields).partial(
  insertOptional(addresses),
)
export const addressUpdateSchema = createUpdateSchema(addresses, addressFields)

export type Address = z.infer<typeof addressSelectSchema>
export type NewAddress = z.infer<typeof addressInsertSchema>
export type AddressUpdate = z.infer<typeof addressUpdateSchema>

// API inputs. The user is the session's: no input names whose profile or address it is.

/** An update that sets nothing is a client bug, not a no-op to carry out. */
const setsSomething = (input: object, except: string[] = []) =>
  Object.entries(input).some(([key, value]) => !except.includes(key) && value !== undefined)

export const updateProfileInput = z
  .strictObject({
    ...generalUserUpdateSchema.pick({ displayName: true, avatarUrl: true }).shape,
    ...generalUserProfileUpdateSchema.pick({
      bio: true,
      birthday: true,
      website: true,
      location: true,
    }).shape,
  })
  .refine((input) => setsSomething(input), 'Nothing to update')
export type UpdateProfileInput = z.infer<typeof updateProfileInput>

const addressInputFields = addressInsertSchema.omit({
  id: true,
  userId: true,
  createdAt: true,
  updatedAt: true,
}).shape

export const addAddressInput = z.strictObject(addressInputFields)
export type AddAddressInput = z.infer<typeof addAddressInput>

export const updateAddressInput = z
  .strictObject({ id: cuidSchema, ...z.object(addressInputFields).partial().shape })
  .refine((input) => setsSomething(input, ['id']), 'Nothing to update')
export type UpdateAddressInput = z.infer<typeof updateAddressInput>
