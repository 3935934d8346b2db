import { sql } from 'drizzle-orm'
import { check, pgTable, text, uuid } from 'drizzle-orm/pg-core'
import { authUsers } from 'drizzle-orm/supabase'
import { timestamps } from '../../shared/columns'

/** A consumer-side user. Rows are made by the auth hook (`handle_new_user()`) on sign-up. */
export const generalUsers = pgTable(
  'general_users',
  {
    /** Same id as the `auth.users` row. */
    id: uuid()
      .primaryKey()
      .references(() => authUsers.id, { onDelete: 'cascade' }),
    displayName: text().notNull(),
    /** Public handle, unique: 3–30 of `a-z`, `0-9`, `_`. */
    accountName: text().notNull().unique('general_users_account_name_key'),
    avatarUrl: text(),
    ...timestamps(),
  },
  (t) => [
    check(
      'general_users_display_name_length',
      sql`char_length(btrim(${t.displayName})) between 1 and 100`,
    ),
    check('general_users_account_name_format', sql`${t.accountName} ~ '^[a-z0-9_]{3,30}$'`),
    check(
      'general_users_avatar_url_format',
      sql`${t.avatarUrl} ~ '^https?://' and char_length(${t.avatarUrl}) <= 2048`,
    ),
  ],
).enableRLS()

export type GeneralUserRow = typeof generalUsers.$inferSelect
export type NewGeneralUserRow = typeof generalUsers.$inferInsert
