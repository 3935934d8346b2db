// db:seed: deterministic demo data through the real paths, on both lanes. The tests share one
// database and run in order: seed, check it, seed again with --reset, compare.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { executeRows } from '../src/db/client.ts'
import { appTables, qualifiedName } from '../src/seed/app-tables.ts'
import {
  planSeed,
  SeedError,
  type SeedFingerprint,
  seed,
  seedFingerprint,
  seedSizes,
} from '../src/seed/index.ts'
import { createTestUser, resetDatabase } from '../src/testing/index.ts'
import { openTestDatabase, type TestDatabase } from './lanes.ts'
import { runScript } from './run-script.ts'

let t: TestDatabase
let first: SeedFingerprint
beforeAll(async () => {
  t = await openTestDatabase()
})
afterAll(() => t?.close())

const count = async (table: string) => {
  const [row] = await executeRows<{ n: number | string }>(
    t.db,
    sql`select count(*) as n from ${sql.raw(table)}`,
  )
  return Number(row?.n)
}

describe('seed()', () => {
  it('writes the sizes of scale 1, users through auth.users and the auth hook', async () => {
    const sizes = seedSizes(1)
    const summary = await seed(t.db)
    const authUsers = sizes.users + sizes.corporateUsers
    expect(summary.rows).toMatchObject({
      'auth.users': authUsers,
      organizations: sizes.organizations,
      corporate_users: sizes.corporateUsers,
      virtual_users: sizes.virtualUsers,
      chat_rooms: sizes.privateRooms + sizes.groupRooms,
      messages: sizes.messages,
      embeddings: sizes.embeddings,
    })
    expect(await count('auth.users')).toBe(authUsers)
    expect(await count('public.general_users')).toBe(authUsers)
    expect(await count('public.messages')).toBe(sizes.messages)
    const [orphans] = await executeRows<{ n: number | string }>(
      t.db,
      sql`select count(*) as n from auth.users u
          where not exists (select 1 from public.general_users g where g.id = u.id)`,
    )
    expect(Number(orphans?.n)).toBe(0)
    // The hook took the account names from the metadata, as sign-up would.
    const [named] = await executeRows<{ n: number | string }>(
      t.db,
      sql`select count(*) as n from auth.users u join public.general_users g on g.id = u.id
          where g.account_name = u.raw_user_meta_data ->> 'account_name'`,
    )
    expect(Number(named?.n)).toBe(authUsers)
  })

  it('has private and group rooms, and messages only from members of their room', async () => {
    const rooms = await executeRows<{ type: string; n: number | string }>(
      t.db,
      sql`select type, count(*) as n from public.chat_rooms group by type order by type::text`,
    )
    expect(rooms.map((r) => [r.type, Number(r.n)])).toEqual([
      ['GROUP', seedSizes(1).groupRooms],
      ['PRIVATE', seedSizes(1).privateRooms],
    ])
    const [row] = await executeRows<{ strangers: number | string; fromBots: number | string }>(
      t.db,
      sql`select
            count(*) filter (where not exists (
              select 1 from public.user_chats uc
              where uc.chat_room_id = m.chat_room_id and uc.user_id = m.sender_user_id)
            and not exists (
              select 1 from public.virtual_user_chats vc
              where vc.chat_room_id = m.chat_room_id
                and vc.virtual_user_id = m.sender_virtual_user_id)) as strangers,
            count(*) filter (where m.sender_virtual_user_id is not null) as "fromBots"
          from public.messages m`,
    )
    expect(Number(row?.strangers)).toBe(0)
    expect(Number(row?.fromBots)).toBeGreaterThan(0)
    // Every organization has its OWNER, ADMIN and MEMBER.
    const roles = await executeRows<{ role: string; n: number | string }>(
      t.db,
      sql`select role, count(*) as n from public.corporate_users group by role order by role::text`,
    )
    expect(roles.map((r) => [r.role, Number(r.n)])).toEqual(
      ['ADMIN', 'MEMBER', 'OWNER'].map((role) => [role, seedSizes(1).organizations]),
    )
  })

  it('stores embeddings as 1536-dimensional unit vectors, and the next id is free', async () => {
    const [row] = await executeRows<{ dims: number; lo: number; hi: number }>(
      t.db,
      sql`select min(vector_dims(embedding)) as dims, min(vector_norm(embedding)) as lo,
            max(vector_norm(embedding)) as hi from public.embeddings`,
    )
    expect(Number(row?.dims)).toBe(1536)
    expect(Number(row?.lo)).toBeCloseTo(1, 5)
    expect(Number(row?.hi)).toBeCloseTo(1, 5)
    const [next] = await executeRows<{ id: number }>(
      t.db,
      sql`select nextval(pg_get_serial_sequence('public.embeddings', 'id'))::int as id`,
    )
    expect(next?.id).toBe(seedSizes(1).embeddings + 1)
  })

  it('refuses a database that has data, naming --reset', async () => {
    await expect(seed(t.db)).rejects.toThrow(SeedError)
    await expect(seed(t.db)).rejects.toThrow(/already has data.*--reset/)
  })

  it('--reset empties the tables and auth.users; the same seed gives the same content', async () => {
    first = await seedFingerprint(t.db)
    const stranger = await createTestUser(t.db)
    // Small batches and a rebuilt vector index: neither may change the content.
    await seed(t.db, { reset: true, maxRowsPerStatement: 7, rebuildVectorIndexes: true })
    const again = await seedFingerprint(t.db)
    expect(again.tables).toEqual(first.tables)
    expect(again.hash).toBe(first.hash)
    const [gone] = await executeRows<{ n: number | string }>(
      t.db,
      sql`select count(*) as n from auth.users where id = ${stranger.id}`,
    )
    expect(Number(gone?.n)).toBe(0)
    const [index] = await executeRows<{ n: number | string }>(
      t.db,
      sql`select count(*) as n from pg_indexes
          where tablename = 'embeddings' and indexname = 'embeddings_embedding_hnsw_idx'`,
    )
    expect(Number(index?.n)).toBe(1)
  })

  it('takes sizes set by the caller (benchmarks load vectors apart)', async () => {
    const summary = await seed(t.db, { reset: true, sizes: { embeddings: 0, messages: 10 } })
    expect(summary.rows).toMatchObject({ messages: 10, embeddings: 0 })
    expect(await count('public.embeddings')).toBe(0)
    await expect(seed(t.db, { reset: true, sizes: { users: 2, privateRooms: 5 } })).rejects.toThrow(
      SeedError,
    )
  })

  it('a different seed gives different content of the same size', async () => {
    await seed(t.db, { reset: true, seed: 2 })
    const other = await seedFingerprint(t.db)
    expect(other.hash).not.toBe(first.hash)
    // Memberships follow from random group sizes; every other table's size is fixed.
    const sized = Object.entries(first.tables).filter(([table]) => !table.endsWith('_chats'))
    for (const [table, { rows }] of sized) expect(other.tables[table]?.rows, table).toBe(rows)
  })

  it("testing's resetDatabase() empties every app table and auth.users, as --reset does", async () => {
    // The seed invites nobody; one invitation, so that every table has a row to lose.
    await t.db.execute(sql`insert into organization_invitations (organization_id, invitee_id)
      select (select id from organizations limit 1), id from auth.users limit 1`)
    const filled = appTables().map(qualifiedName)
    for (const table of filled) expect(await count(table), table).toBeGreaterThan(0)
    await resetDatabase(t.db)
    for (const table of [...filled, 'auth.users']) expect(await count(table), table).toBe(0)
  })
})

describe('planSeed()', () => {
  it('is a pure function of seed and scale', () => {
    const flat = (seedValue: number, scale: number) => {
      const plan = planSeed({ seed: seedValue, scale })
      return JSON.stringify({ ...plan, m: [...plan.messages()], e: [...plan.embeddings()] })
    }
    expect(flat(1, 1)).toBe(flat(1, 1))
    expect(flat(1, 1)).not.toBe(flat(2, 1))
  })

  it('scales every size', () => {
    const large = seedSizes(5000)
    expect(large.users).toBe(100_000)
    expect(large.messages).toBe(1_000_000)
    expect(seedSizes(0.1).users).toBe(2)
    expect(() => seedSizes(0)).toThrow(RangeError)
    // Benchmarks set some sizes themselves (vectors loaded apart, a given number of rooms).
    expect(seedSizes(5, { embeddings: 0, privateRooms: 7 })).toMatchObject({
      users: 100,
      embeddings: 0,
      privateRooms: 7,
      messages: 1000,
    })
    expect(() => seedSizes(1, { users: 3, privateRooms: 4 })).toThrow(/3 users make only 3 pairs/)
    expect(() => seedSizes(1, { privateRooms: 0, groupRooms: 0 })).toThrow(/messages need rooms/)
  })
})

describe('db:seed as a command', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'app-db-seed-test-'))
  afterAll(() => rmSync(scratch, { recursive: true, force: true }))

  it('seeds a migrated database, then refuses to seed it twice without --reset', async () => {
    const fresh = t.lane === 'server' ? await openTestDatabase() : undefined
    try {
      const env: Record<string, string> = fresh
        ? { DATABASE_URL: fresh.url as string }
        : { PGLITE_DATA_DIR: join(scratch, 'pglite') }
      if (!fresh) expect((await runScript('migrate', [], env)).code).toBe(0)
      const result = await runScript('seed', ['--scale', '0.5', '--seed', '7'], env)
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(/^db:seed → .* \(seed 7, scale 0\.5\)$/m)
      expect(result.stdout).toMatch(/^ {2}messages +100 +\d+ ms$/m)
      const again = await runScript('seed', [], env)
      expect(again.code).toBe(1)
      expect(again.stderr.trim().split('\n')).toHaveLength(1)
      expect(again.stderr).toMatch(/^error: the database already has data .*--reset/)
      const bad = await runScript('seed', ['--scale', 'lots'], env)
      expect(bad.stderr.trim()).toBe('error: --scale must be a positive number, got lots')
    } finally {
      await fresh?.close()
    }
  }, 120_000)

  it('will not --reset a database on another host without --allow-remote', async () => {
    const result = await runScript('seed', ['--reset'], {
      DATABASE_URL: 'postgres://u:hunter2@db.example.com:5432/app',
    })
    expect(result.code).toBe(1)
    expect(result.stderr.trim()).toMatch(
      /^error: --reset deletes every user and row of db\.example\.com, .*--allow-remote/,
    )
    expect(result.stderr + result.stdout).not.toContain('hunter2')
  })
})
