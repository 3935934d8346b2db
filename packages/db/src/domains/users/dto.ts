import { z } from 'zod'
import { tableSchemas } from '../../dto-kit/table-schemas.ts'
import {
  cuidSchema,
  displayNameSchema,
  httpUrlSchema,
  trimmedText,
} from '../../dto-kit/validation.ts'
import { countryCodes } from '../../schema-kit/countries.ts'
import { addresses, addressLengths } from './addresses.ts'
import { generalUsers } from './general-users.ts'
import { generalUserProfiles, profileLengths } from './profiles.ts'

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

export const {
  select: generalUserSelectSchema,
  insert: generalUserInsertSchema,
  update: generalUserUpdateSchema,
} = tableSchemas(generalUsers, generalUserFields)

export type GeneralUser = z.infer<typeof generalUserSelectSchema>
export type NewGeneralUser = z.infer<typeof generalUserInsertSchema>
export type GeneralUserUpdate = z.infer<typeof generalUserUpdateSchema>

// general_user_profiles

const generalUserProfileFields = {
  bio: () => trimmedText(profileLengths.bio),
  birthday: () => birthdaySchema,
  website: () => httpUrlSchema,
  location: () => trimmedText(profileLengths.location),
}

export const {
  select: generalUserProfileSelectSchema,
  insert: generalUserProfileInsertSchema,
  update: generalUserProfileUpdateSchema,
} = tableSchemas(generalUserProfiles, generalUserProfileFields)

export type GeneralUserProfile = z.infer<typeof generalUserProfileSelectSchema>
export type NewGeneralUserProfile = z.infer<typeof generalUserProfileInsertSchema>
export type GeneralUserProfileUpdate = z.infer<typeof generalUserProfileUpdateSchema>

// addresses

const addressFields = {
  id: () => cuidSchema,
  label: () => trimmedText(addressLengths.label),
  postalCode: () => trimmedText(addressLengths.postalCode),
  country: () => countrySchema,
  region: () => trimmedText(addressLengths.region),
  city: () => trimmedText(addressLengths.city),
  line1: () => trimmedText(addressLengths.line1),
  line2: () => trimmedText(addressLengths.line2),
}

export const {
  select: addressSelectSchema,
  insert: addressInsertSchema,
  update: addressUpdateSchema,
} = tableSchemas(addresses, addressFields)

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
