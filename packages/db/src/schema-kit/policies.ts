// Building blocks of the row level security policies that sit beside each table.
// Every `auth.uid()` is wrapped as `(select auth.uid())` (drizzle's authUid), so Postgres
// evaluates it once per statement instead of once per row.
import { type SQL, sql } from 'drizzle-orm'
import { type AnyPgColumn, pgPolicy } from 'drizzle-orm/pg-core'
import { authenticatedRole, authUid } from 'drizzle-orm/supabase'

/** `column = (select auth.uid())` */
export const isMe = (column: AnyPgColumn | SQL): SQL => sql`${column} = ${authUid}`

// Membership sets from SECURITY DEFINER helpers (migration rls_helpers): one call per statement.
/** The column is one of the rooms the caller belongs to. */
export const inMyRooms = (column: AnyPgColumn | SQL): SQL =>
  sql`${column} in (select private.my_room_ids())`
/** The column is the caller's organization (as a corporate user). */
export const inMyOrganizations = (column: AnyPgColumn): SQL =>
  sql`${column} in (select private.my_organization_ids())`
/** The column is an organization where the caller is OWNER or ADMIN. */
export const inOrganizationsIAdminister = (column: AnyPgColumn): SQL =>
  sql`${column} in (select private.my_admin_organization_ids())`
/** The column is a room the caller left by themselves (and so may rejoin by themselves). */
export const inRoomsILeft = (column: AnyPgColumn): SQL =>
  sql`${column} in (select private.my_departed_room_ids())`

/**
 * The four policies of a table whose rows belong to one user: the owner may read, add, change
 * and delete their rows, and may not hand a row to someone else (USING and WITH CHECK).
 */
export function ownRowsPolicies(noun: string, owner: AnyPgColumn) {
  const mine = isMe(owner)
  return [
    pgPolicy(`users can read their own ${noun}`, {
      for: 'select',
      to: authenticatedRole,
      using: mine,
    }),
    pgPolicy(`users can add their own ${noun}`, {
      for: 'insert',
      to: authenticatedRole,
      withCheck: mine,
    }),
    pgPolicy(`users can change their own ${noun}`, {
      for: 'update',
      to: authenticatedRole,
      using: mine,
      withCheck: mine,
    }),
    pgPolicy(`users can delete their own ${noun}`, {
      for: 'delete',
      to: authenticatedRole,
      using: mine,
    }),
  ]
}
