import { sql } from 'drizzle-orm'
import { check, pgPolicy, pgTable, real, text } from 'drizzle-orm/pg-core'
import { authenticatedRole } from 'drizzle-orm/supabase'
import { defineAccess } from '../../schema-kit/access.ts'
import { timestamps } from '../../schema-kit/columns.ts'
import { virtualUsers } from './virtual-users.ts'

/** Length limits of the text columns, read by the CHECKs below and by the DTOs. */
export const virtualUserProfileLengths = {
  systemPrompt: { max: 20_000 },
  model: { min: 1, max: 100 },
} as const

import { httpUrlSql, lengthSql } from '../../schema-kit/lengths.ts'

/** How a virtual user behaves: its persona and model settings. */
export const virtualUserProfiles = pgTable(
  'virtual_user_profiles',
  {
    virtualUserId: text()
      .primaryKey()
      .references(() => virtualUsers.id, { onDelete: 'cascade' }),
    /** The system prompt that gives the virtual user its persona. */
    systemPrompt: text(),
    /** The model identifier passed to the AI provider, e.g. `gpt-4o-mini`. */
    model: text(),
    /** Sampling temperature, 0 (deterministic) to 2. */
    temperature: real().notNull().default(1),
    avatarUrl: text(),
    ...timestamps(),
  },
  (t) => [
    check('virtual_user_profiles_temperature_range', sql`${t.temperature} between 0 and 2`),
    check(
      'virtual_user_profiles_system_prompt_length',
      lengthSql(t.systemPrompt, virtualUserProfileLengths.systemPrompt),
    ),
    check(
      'virtual_user_profiles_model_length',
      lengthSql(t.model, virtualUserProfileLengths.model, 'spaces'),
    ),
    check('virtual_user_profiles_avatar_url_format', httpUrlSql(t.avatarUrl)),
    // The profile of a bot the user can see (virtual_users' policy applies to the subquery).
    pgPolicy('users can read the profiles of the bots they can see', {
      for: 'select',
      to: authenticatedRole,
      using: sql`${t.virtualUserId} in (select v.id from public.virtual_users v)`,
    }),
  ],
).enableRLS()

/**
 * The prompt, model and sampling settings are the server's secrets (an organization's work):
 * API roles read only the columns a client shows.
 */
export const virtualUserProfilesAccess = defineAccess(virtualUserProfiles, {
  updatable: [],
  readable: ['virtualUserId', 'avatarUrl', 'createdAt', 'updatedAt'],
  serverOwned: { createdAt: 'now', updatedAt: 'now' },
})

export type NewVirtualUserProfileRow = typeof virtualUserProfiles.$inferInsert
