import { sql } from 'drizzle-orm'
import { check, date, pgTable, text, uuid } from 'drizzle-orm/pg-core'
import { defineAccess } from '../../schema-kit/access.ts'
import { timestamps } from '../../schema-kit/columns.ts'
import { ownRowsPolicies } from '../../schema-kit/policies.ts'
import { generalUsers } from './general-users.ts'

/** Length limits of the text columns, read by the CHECKs below and by the DTOs. */
export const profileLengths = { bio: { max: 1000 }, location: { max: 100 } } as const

import { httpUrlSql, lengthSql } from '../../schema-kit/lengths.ts'

/** Optional, user-edited details; one row per general user at most. */
export const generalUserProfiles = pgTable(
  'general_user_profiles',
  {
    userId: uuid()
      .primaryKey()
      .references(() => generalUsers.id, { onDelete: 'cascade' }),
    bio: text(),
    birthday: date({ mode: 'string' }),
    website: text(),
    location: text(),
    ...timestamps(),
  },
  (t) => [
    check('general_user_profiles_bio_length', lengthSql(t.bio, profileLengths.bio)),
    check('general_user_profiles_birthday_range', sql`${t.birthday} >= date '1900-01-01'`),
    check('general_user_profiles_website_format', httpUrlSql(t.website)),
    check('general_user_profiles_location_length', lengthSql(t.location, profileLengths.location)),
    ...ownRowsPolicies('profile', t.userId),
  ],
).enableRLS()

export const generalUserProfilesAccess = defineAccess(generalUserProfiles, {
  updatable: ['bio', 'birthday', 'website', 'location', 'updatedAt'],
  serverOwned: { createdAt: 'now', updatedAt: 'now' },
})

export type NewGeneralUserProfileRow = typeof generalUserProfiles.$inferInsert
