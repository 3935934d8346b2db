// The migrated schema: what db:migrate must leave on an empty database, read from the catalogs.
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chatRooms, generalUsers, messages, userChats } from '../src/schema.ts'
import { createTestUser } from '../src/testing/index.ts'
import { lane, openTestDatabase, type TestDatabase } from './lanes.ts'

const tables = [
  'addresses',
  'chat_rooms',
  'corporate_users',
  'embeddings',
  'general_user_profiles',
  'general_users',
  'messages',
  'organization_invitations',
  'organizations',
  'user_chats',
  'virtual_user_chats',
  'virtual_user_profiles',
  'virtual_users',
]
const tablesWithUpdatedAt = [
  'addresses',
  'chat_rooms',
  'corporate_users',
  'general_user_profiles',
  'general_users',
  'organizations',
  'virtual_user_profiles',
  'virtual_users',
]

let t: TestDatabase
beforeAll(async () => {
  t = await openTestDatabase()
})
afterAll(() => t?.close())

const column = <T>(rows: Record<string, T>[], key: string) => rows.map((r) => r[key])

describe(`migrated schema (${lane})`, () => {
  it('has every table, each with row level security enabled', async () => {
    const rows = await t.sql.query<{ relname: string; rls: boolean }>(`
      select relname, relrowsecurity as rls from pg_class
      where relnamespace = 'public'::regnamespace and relkind = 'r' order by relname`)
    expect(column(rows, 'relname')).toEqual(tables)
    expect(rows.every((r) => r.rls)).toBe(true)
  })

  it('has the enums', async () => {
    const rows = await t.sql.query<{ name: string; labels: string }>(`
      select t.typname as name, string_agg(e.enumlabel, ',' order by e.enumsortorder) as labels
      from pg_type t join pg_enum e on e.enumtypid = t.oid
      where t.typnamespace = 'public'::regnamespace group by 1 order by 1`)
    expect(rows).toEqual([
      { name: 'chat_room_type', labels: 'PRIVATE,GROUP' },
      { name: 'corporate_role', labels: 'OWNER,ADMIN,MEMBER' },
    ])
  })

  it('has the vector extension in schema extensions and the HNSW cosine index', async () => {
    const [ext] = await t.sql.query<{ schema: string }>(
      `select extnamespace::regnamespace::text as schema from pg_extension where extname = 'vector'`,
    )
    expect(ext?.schema).toBe('extensions')
    const [index] = await t.sql.query<{ def: string }>(
      `select pg_get_indexdef('public.embeddings_embedding_hnsw_idx'::regclass) as def`,
    )
    expect(index?.def).toMatch(
      /USING hnsw \(embedding (extensions\.)?vector_cosine_ops\) WITH \(m='?16'?, ef_construction='?128'?\)/,
    )
  })

  it('keeps embeddings inside their rows: reading a vector needs no TOAST lookups', async () => {
    const [table] = await t.sql.query<{ options: string[] }>(
      `select reloptions as options from pg_class where oid = 'public.embeddings'::regclass`,
    )
    expect(table?.options).toContain('toast_tuple_target=8160')
    // A written vector really is in the row: the TOAST table does not grow.
    const toastBytes = async () =>
      (
        await t.sql.query<{ n: number }>(
          `select pg_relation_size(reltoastrelid)::int as n from pg_class
           where oid = 'public.embeddings'::regclass`,
        )
      )[0]?.n
    const before = await toastBytes()
    const [user] = await t.sql.query<{ id: string }>(
      `insert into auth.users (id, email) values (gen_random_uuid(), 'inline-vector@example.com') returning id`,
    )
    await t.sql.query(
      `insert into public.embeddings (user_id, content, embedding)
       select $1, 'inline content that is longer than a TOAST pointer ' || i,
              array_fill(i::real, array[1536])::extensions.vector
       from generate_series(1, 20) i`,
      [user?.id],
    )
    expect(await toastBytes()).toBe(before)
  })

  it('has the functions with a fixed search_path, and the triggers', async () => {
    const fns = await t.sql.query<{ name: string; config: string[] | null }>(`
      select p.oid::regprocedure::text as name, p.proconfig as config from pg_proc p
      where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace) order by 1`)
    expect(column(fns, 'name')).toEqual(
      expect.arrayContaining(['generate_cuid()', 'handle_new_user()', 'private.set_updated_at()']),
    )
    for (const fn of fns) expect(fn.config, fn.name).toContain('search_path=""')
    const triggers = await t.sql.query<{ tgname: string; rel: string }>(`
      select tgname, tgrelid::regclass::text as rel from pg_trigger where not tgisinternal order by 2`)
    expect(triggers).toContainEqual({ tgname: 'auth_hook', rel: 'auth.users' })
    const updated = triggers.filter((x) => x.tgname === 'set_updated_at').map((x) => x.rel)
    expect(updated.sort()).toEqual([...tablesWithUpdatedAt].sort())
  })

  it('keeps updated_at true for every writer, even one that sets it', async () => {
    await t.sql.exec(`insert into organizations (name, slug) values ('Old', 'stamp')`)
    await t.sql.exec(
      `update organizations set name = 'New', updated_at = '2000-01-01' where slug = 'stamp'`,
    )
    const [row] = await t.sql.query<{ fresh: boolean }>(
      `select updated_at > now() - interval '1 minute' as fresh from organizations where slug = 'stamp'`,
    )
    expect(row?.fresh).toBe(true)
  })

  it('supports the relational query API across domains', async () => {
    const alice = await createTestUser(t.db, { metadata: { account_name: 'alice' } })
    const bob = await createTestUser(t.db, { metadata: { account_name: 'bob' } })
    const [room] = await t.db
      .insert(chatRooms)
      .values({ type: 'GROUP', name: 'Team', createdBy: alice.id })
      .returning()
    const roomId = room?.id as string
    expect(roomId).toMatch(/^[a-z][a-z0-9]{23}$/)
    await t.db.insert(userChats).values([
      { chatRoomId: roomId, userId: alice.id },
      { chatRoomId: roomId, userId: bob.id },
    ])
    await t.db.insert(messages).values({ chatRoomId: roomId, senderUserId: bob.id, content: 'hi' })
    const found = await t.db.query.chatRooms.findFirst({
      where: eq(chatRooms.id, roomId),
      with: {
        creator: { columns: { accountName: true } },
        members: { with: { user: { columns: { accountName: true } } } },
        messages: { with: { senderUser: { columns: { accountName: true } } } },
      },
    })
    expect(found?.creator?.accountName).toBe('alice')
    expect(found?.members.map((m) => m.user.accountName).sort()).toEqual(['alice', 'bob'])
    expect(found?.messages.map((m) => [m.content, m.senderUser?.accountName])).toEqual([
      ['hi', 'bob'],
    ])
    const withRooms = await t.db.query.generalUsers.findFirst({
      where: eq(generalUsers.id, alice.id),
      with: { createdRooms: true },
    })
    expect(withRooms?.createdRooms).toHaveLength(1)
  })
})
