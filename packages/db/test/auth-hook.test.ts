// The auth hook: every insert into auth.users gets a valid, unique general_users row, whatever
// the sign-up metadata holds. A failing hook would block every sign-up on Supabase.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pgErrorInfo } from '../src/errors/index.ts'
import { createTestUser } from '../src/testing/index.ts'
import { lane, openTestDatabase, type TestDatabase } from './lanes.ts'

type Signup = { case: string; email: string | null; metadata: unknown }

const tenKb = 'x'.repeat(10_240)
const signups: Signup[] = [
  { case: 'no metadata', email: 'plain@example.com', metadata: undefined },
  { case: 'JSON null', email: 'jsonnull@example.com', metadata: null },
  { case: 'a JSON array', email: 'array@example.com', metadata: ['name', 'x'] },
  { case: 'a JSON string', email: 'string@example.com', metadata: 'just a string' },
  { case: 'a JSON number', email: 'number@example.com', metadata: 42 },
  { case: 'empty strings', email: '', metadata: { name: '', account_name: '', user_name: '' } },
  { case: 'non-string values', email: null, metadata: { name: { first: 'A' }, account_name: 7 } },
  { case: '10 KB name', email: 'long@example.com', metadata: { name: tenKb, account_name: tenKb } },
  { case: 'emoji', email: null, metadata: { name: '🦄🌈 Rainbow 🦄' } },
  {
    case: 'RTL and zero-width',
    email: null,
    metadata: { name: '\u202Eevil\u200B\u200Bname\u200F' },
  },
  { case: 'only zero-width', email: null, metadata: { name: '\u200B\u200C\u200D\uFEFF' } },
  {
    case: 'SQL meta-characters',
    email: null,
    metadata: { name: `Robert'); DROP TABLE students;--` },
  },
  { case: 'dollar quoting', email: null, metadata: { account_name: '$$ select 1 $$' } },
  { case: 'Japanese name', email: 'taro@example.jp', metadata: { name: '山田 太郎' } },
  { case: 'no email, nothing usable', email: null, metadata: {} },
  { case: 'a valid account_name', email: null, metadata: { account_name: 'valid_name' } },
  {
    case: 'bad avatar url',
    email: null,
    metadata: { name: 'Av', avatar_url: 'javascript:alert(1)' },
  },
]

/** Names that differ, but not after normalization: all must still get distinct accounts. */
const colliding = ['John Doe', 'john.doe', 'JOHN_DOE', 'john-doe', ' john  doe ', 'John Doe']

let t: TestDatabase
beforeAll(async () => {
  t = await openTestDatabase()
})
afterAll(() => t?.close())

type Row = { id: string; account_name: string; display_name: string; avatar_url: string | null }
const rowOf = async (id: string) =>
  (await t.sql.query<Row>('select * from general_users where id = $1', [id]))[0]

function expectValid(row: Row | undefined) {
  expect(row).toBeDefined()
  expect(row?.account_name).toMatch(/^[a-z0-9_]{3,30}$/)
  expect(row?.display_name.length).toBeGreaterThanOrEqual(1)
  expect(row?.display_name.length).toBeLessThanOrEqual(100)
  expect(row?.display_name).not.toMatch(/[\u200B-\u200F\u202A-\u202E\uFEFF]/)
}

describe(`auth hook (${lane})`, () => {
  it.each(signups)('sign-up with $case creates a valid general user', async (s) => {
    const user = await createTestUser(t.db, { email: s.email, metadata: s.metadata })
    expectValid(await rowOf(user.id))
  })

  it('uses the names a user gave when they are usable', async () => {
    const a = await createTestUser(t.db, { metadata: { account_name: 'neo', name: 'Thomas A.' } })
    expect(await rowOf(a.id)).toMatchObject({ account_name: 'neo', display_name: 'Thomas A.' })
    const b = await createTestUser(t.db, { email: 'Mary.Major@example.com', metadata: {} })
    expect(await rowOf(b.id)).toMatchObject({
      account_name: 'mary_major',
      display_name: 'Mary.Major',
    })
    const c = await createTestUser(t.db, {
      metadata: { name: 'Pic', avatar_url: 'https://cdn.example/p.png' },
    })
    expect((await rowOf(c.id))?.avatar_url).toBe('https://cdn.example/p.png')
    const d = await createTestUser(t.db, { metadata: { name: 'Av', avatar_url: 'javascript:x' } })
    expect((await rowOf(d.id))?.avatar_url).toBeNull()
  })

  it('names that collide after normalization get distinct valid accounts', async () => {
    const users = []
    for (const name of colliding)
      users.push(await createTestUser(t.db, { email: null, metadata: { name } }))
    const rows = await Promise.all(users.map((u) => rowOf(u.id)))
    for (const row of rows) expectValid(row)
    const names = rows.map((r) => r?.account_name)
    expect(new Set(names).size).toBe(colliding.length)
    expect(names).toContain('john_doe')
  })

  it('the same name from concurrent sign-ups never fails and never duplicates', async () => {
    const users = await Promise.all(
      Array.from({ length: 12 }, () => createTestUser(t.db, { metadata: { name: 'Same Name' } })),
    )
    const rows = await Promise.all(users.map((u) => rowOf(u.id)))
    for (const row of rows) expectValid(row)
    expect(new Set(rows.map((r) => r?.account_name)).size).toBe(12)
  })

  it("a second sign-up with the same email fails as GoTrue's table makes it, never in the hook", async () => {
    const email = `twice-${Date.now()}@example.com`
    const first = await createTestUser(t.db, { email })
    const error = await createTestUser(t.db, { email }).then(
      () => undefined,
      (e: unknown) => e,
    )
    const cause = pgErrorInfo(error)
    expect(cause).toMatchObject({ code: '23505', constraint: 'users_email_partial_key' })
    expectValid(await rowOf(first.id))
    // SSO accounts may share an email (GoTrue's partial index); each still gets its row.
    const sso = await t.sql.query<{ id: string }>(
      `insert into auth.users (id, email, is_sso_user, created_at, updated_at)
       values (gen_random_uuid(), $1, true, now(), now()) returning id`,
      [email],
    )
    expectValid(await rowOf(sso[0]?.id as string))
  })

  it('firing again for a user who already has a row changes nothing', async () => {
    const user = await createTestUser(t.db, { metadata: { account_name: 'first_name' } })
    // Replay the hook for the same id through a scratch table with auth.users' columns.
    await t.sql.exec(`
      create table public.hook_replay (id uuid, email text, raw_user_meta_data jsonb);
      create trigger replay after insert on public.hook_replay
        for each row execute function public.handle_new_user();
      insert into public.hook_replay values ('${user.id}', 'x@example.com', '{"account_name": "second_name"}');
      drop table public.hook_replay;
    `)
    expect((await rowOf(user.id))?.account_name).toBe('first_name')
  })

  it('every user has exactly one general_users row and account names are unique', async () => {
    // Not 0 = 0 when this file runs alone: sign up some here.
    for (let i = 0; i < 3; i++) await createTestUser(t.db, { metadata: { account_name: 'same' } })
    const [row] = await t.sql.query<{ users: number; rows: number; names: number }>(`
      select (select count(*) from auth.users)::int as users,
             (select count(*) from general_users)::int as rows,
             (select count(distinct account_name) from general_users)::int as names`)
    expect(row?.users).toBeGreaterThanOrEqual(3)
    expect(row?.rows).toBe(row?.users)
    expect(row?.names).toBe(row?.users)
  })

  it('the hook is SECURITY DEFINER with an empty search_path and not callable by API roles', async () => {
    const [fn] = await t.sql.query<{
      definer: boolean
      config: string[]
      anon: boolean
      auth: boolean
    }>(`
      select prosecdef as definer, proconfig as config,
             has_function_privilege('anon', oid, 'execute') as anon,
             has_function_privilege('authenticated', oid, 'execute') as auth
      from pg_proc where oid = 'public.handle_new_user()'::regprocedure`)
    expect(fn).toEqual({ definer: true, config: ['search_path=""'], anon: false, auth: false })
  })
})
