// Sign-ups the way Supabase Auth (GoTrue) makes them: as supabase_auth_admin, one transaction
// with the user and its email identity, every value GoTrue fills in itself (auth.users has no
// defaults for id and the timestamps).
import { randomUUID } from 'node:crypto'
import postgres from 'postgres'

/**
 * GoTrue's insert of a new user as one statement: $1 the email, $2 the metadata as JSON text
 * (a jsonb parameter would be JSON-encoded once more by postgres.js). Run it as
 * supabase_auth_admin (`asGoTrue`).
 */
export const goTrueUserInsert = `insert into auth.users (instance_id, id, aud, role, email,
    raw_app_meta_data, raw_user_meta_data, created_at, updated_at, confirmation_token,
    recovery_token, email_change_token_new, email_change, is_sso_user, is_anonymous)
  values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated',
    'authenticated', $1, '{"provider":"email","providers":["email"]}', $2::text::jsonb, now(),
    now(), '', '', '', '', false, false)
  returning id`

export type GoTrueSignUp = { email: string | null; metadata?: unknown; id?: string }

/** The statements of one email sign-up, on a connection that may become supabase_auth_admin. */
export async function insertAsGoTrue(
  sql: postgres.Sql | postgres.TransactionSql,
  { email, metadata = {}, id = randomUUID() }: GoTrueSignUp,
): Promise<string> {
  const run = async (tx: postgres.TransactionSql) => {
    await tx`set local role supabase_auth_admin`
    await tx`
      insert into auth.users (
        instance_id, id, aud, role, email, encrypted_password, confirmation_token,
        confirmation_sent_at, recovery_token, email_change_token_new, email_change,
        raw_app_meta_data, raw_user_meta_data, is_super_admin, created_at, updated_at,
        is_sso_user, is_anonymous)
      values (
        '00000000-0000-0000-0000-000000000000', ${id}, 'authenticated', 'authenticated',
        ${email}, '$2a$10$abcdefghijklmnopqrstuuKoeuIYl8Ke0kNeXvTLOKoR0QXwRmBzW',
        ${randomUUID().replaceAll('-', '')}, now(), '', '', '',
        ${tx.json({ provider: 'email', providers: ['email'] })},
        ${tx.json(metadata as postgres.JSONValue)}, false, now(), now(), false, false)`
    await tx`
      insert into auth.identities (provider_id, user_id, identity_data, provider, created_at,
        updated_at)
      values (${id}, ${id}, ${tx.json({ sub: id, email, email_verified: false })}, 'email',
        now(), now())`
  }
  if ('begin' in sql) await sql.begin(run)
  else await run(sql)
  return id
}

/** One sign-up on the database at `url`; returns the new user's id. */
export async function signUpAsGoTrue(url: string, email: string | null, metadata?: unknown) {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    return await insertAsGoTrue(sql, { email, metadata })
  } finally {
    await sql.end()
  }
}
