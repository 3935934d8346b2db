import { sql } from 'drizzle-orm'
import { check, pgPolicy, pgTable, text, uuid } from 'drizzle-orm/pg-core'
import { anonRole, authenticatedRole, authUsers, supabaseAuthAdminRole } from 'drizzle-orm/supabase'
import { defineAccess } from '../../schema-kit/access.ts'
import { timestamps } from '../../schema-kit/columns.ts'
import { httpUrlSql, lengthSql, nameLength } from '../../schema-kit/lengths.ts'
import { isMe } from '../../schema-kit/policies.ts'

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
    check('general_users_display_name_length', lengthSql(t.displayName, nameLength, 'spaces')),
    check('general_users_account_name_format', sql`${t.accountName} ~ '^[a-z0-9_]{3,30}$'`),
    check('general_users_avatar_url_format', httpUrlSql(t.avatarUrl)),
    // Public profiles: anyone, signed in or not, may read them.
    pgPolicy('anyone can read general users', {
      for: 'select',
      to: [anonRole, authenticatedRole],
      using: sql`true`,
    }),
    // Rows are made on sign-up by the auth hook (SECURITY DEFINER, so as the table owner);
    // of the API's roles only Supabase Auth's own may add one, and only for a real auth user.
    pgPolicy('only supabase auth can add general users', {
      for: 'insert',
      to: supabaseAuthAdminRole,
      withCheck: sql`exists (select 1 from auth.users u where u.id = ${t.id})`,
    }),
    pgPolicy('users can change their own general user', {
      for: 'update',
      to: authenticatedRole,
      using: isMe(t.id),
      withCheck: isMe(t.id),
    }),
    pgPolicy('users can delete their own general user', {
      for: 'delete',
      to: authenticatedRole,
      using: isMe(t.id),
    }),
  ],
).enableRLS()

/** Users change their own public profile; the hook (the table owner) fills the rest. */
export const generalUsersAccess = defineAccess(generalUsers, {
  updatable: ['displayName', 'accountName', 'avatarUrl', 'updatedAt'],
  serverOwned: { createdAt: 'now', updatedAt: 'now' },
})

export type NewGeneralUserRow = typeof generalUsers.$inferInsert
