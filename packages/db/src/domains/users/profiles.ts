import { sql } from 'drizzle-orm'
import { check, date, pgTable, text, uuid } from 'drizzle-orm/pg-core'
import { defineAccess } from '../../schema-kit/access'
import { timestamps } from '../../schema-kit/columns'
import { ownRowsPolicies } from '../../schema-kit/policies'
import { generalUsers } from './general-users'

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
    check('general_user_profiles_bio_length', sql`char_length(${t.bio}) <= 1000`),
    check('general_user_profiles_birthday_range', sql`${t.birthday} >= date '1900-01-01'`),
    check(
      'general_user_profiles_website_format',
      sql`${t.website} ~ '^https?://' and char_length(${t.website}) <= 2048`,
    ),
    check('general_user_profiles_location_length', sql`char_length(${t.location}) <= 100`),
    ...ownRowsPolicies('profile', t.userId),
  ],
).enableRLS()

export const generalUserProfilesAccess = defineAccess(generalUserProfiles, {
  updatable: ['bio', 'birthday', 'website', 'location', 'updatedAt'],
  serverOwned: { createdAt: 'now', updatedAt: 'now' },
})

export type NewGeneralUserProfileRow = typeof generalUserProfiles.$inferInsert
