// Reads on a real hot standby (a private primary and its pg_basebackup -R standby, streaming):
// every read query function answers on the standby what it answers on the primary, a write
// there is a ReadOnlyError, read-your-writes holds with writePosition(), and db:migrate and
// db:seed refuse the standby. Multi-host URLs find the primary.
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb, type Db, executeRows, type Transaction } from '../../src/db/client.ts'
import { ReadOnlyError } from '../../src/errors/index.ts'
import { migrate } from '../../src/migrations/migrate.ts'
import { openTarget } from '../../src/migrations/target.ts'
import {
  getGeneralUser,
  listAddresses,
  listInvitations,
  listMembers,
  listMessages,
  listMyInvitations,
  listMyRooms,
  sendMessage,
  similarForUser,
} from '../../src/queries.ts'
import { seed } from '../../src/seed/index.ts'
import { skipWithout } from '../reliability/prerequisites.ts'
import {
  type PrivatePostgres,
  privatePostgresUnsupported,
  startPrivatePostgres,
} from '../reliability/private-postgres.ts'
import { runScript } from '../run-script.ts'

const skip = skipWithout('read replica tests', privatePostgresUnsupported())

let primary: PrivatePostgres
let standby: PrivatePostgres
let db: Db
type Fixture = {
  users: string[]
  rooms: Map<string, string[]>
  orgs: Map<string, string[]>
  vector: number[]
}
let fixture: Fixture

beforeAll(async () => {
  if (skip) return
  // Durable commits, as in production: WAL reaches the standby at commit, not a walwriter
  // cycle (200 ms) later.
  primary = await startPrivatePostgres({ durable: true })
  const target = await openTarget({ url: primary.url() })
  try {
    await migrate(target.runner)
  } finally {
    await target.close()
  }
  const owner = createDb({ url: primary.url(), maxConnections: 2 })
  try {
    await seed(owner, {
      seed: 7,
      sizes: {
        users: 12,
        organizations: 3,
        privateRooms: 6,
        groupRooms: 4,
        messages: 300,
        embeddings: 60,
        profiles: 8,
        addresses: 10,
      },
    })
  } finally {
    await owner.close()
  }
  standby = await startPrivatePostgres({ standbyOf: primary, durable: true })
  db = createDb({ url: primary.url(), replicas: [standby.url()], replicaWaitMs: 2_000 })
  const users = await executeRows<{ id: string }>(
    db,
    sql`select id::text from public.general_users order by id`,
  )
  const memberships = await executeRows<{ user_id: string; room: string }>(
    db,
    sql`select user_id::text, chat_room_id as room from public.user_chats order by 1, 2`,
  )
  const corporate = await executeRows<{ user_id: string; org: string }>(
    db,
    sql`select id::text as user_id, organization_id as org from public.corporate_users
        order by 1, 2`,
  )
  const [vector] = await executeRows<{ v: string }>(
    db,
    sql`select embedding::text as v from public.embeddings limit 1`,
  )
  const group = <T extends { user_id: string }>(rows: T[], key: (row: T) => string) => {
    const map = new Map<string, string[]>()
    for (const row of rows) map.set(row.user_id, [...(map.get(row.user_id) ?? []), key(row)])
    return map
  }
  fixture = {
    users: users.map((u) => u.id),
    rooms: group(memberships, (r) => r.room),
    orgs: group(corporate, (r) => r.org),
    vector: JSON.parse(vector?.v ?? '[]') as number[],
  }
  // The standby has replayed the seed before any comparison.
  const token = await db.writePosition()
  await db.rlsRead({ role: 'anon' }, async () => {}, { after: token, maxWaitMs: 30_000 })
}, 240_000)

afterAll(async () => {
  await db?.close()
  await standby?.remove()
  await primary?.remove()
})

/** A result or the typed error it failed with, to compare answers that are errors too. */
const outcome = (work: Promise<unknown>) =>
  work.then(
    (value) => ({ value }),
    (error: Error) => ({ error: `${error.name}: ${error.message}` }),
  )

/** Every read query function, as the user, for everything the user can name. */
async function readsOf(userId: string, tx: Transaction) {
  const results: unknown[] = []
  const add = async (name: string, work: Promise<unknown>) =>
    results.push({ name, ...(await outcome(work)) })
  await add('getGeneralUser', getGeneralUser(tx, { id: userId }))
  await add('listAddresses', listAddresses(tx, { userId }))
  await add('listMyRooms', listMyRooms(tx, { userId }))
  await add('listMyInvitations', listMyInvitations(tx, { userId }))
  for (const roomId of fixture.rooms.get(userId) ?? []) {
    await add(`listMessages ${roomId}`, listMessages(tx, { roomId, limit: 20 }))
  }
  for (const organizationId of fixture.orgs.get(userId) ?? []) {
    await add(`listMembers ${organizationId}`, listMembers(tx, { organizationId }))
    await add(`listInvitations ${organizationId}`, listInvitations(tx, { organizationId }))
  }
  await add('similarForUser', similarForUser(tx, { userId, embedding: fixture.vector, k: 5 }))
  return results
}

describe.skipIf(skip)('read replicas (a streaming hot standby)', () => {
  it('every read query function answers on the standby what it answers on the primary', async () => {
    const everyone = [...fixture.users, ...fixture.orgs.keys()]
    expect(fixture.rooms.size).toBeGreaterThan(0)
    expect(fixture.orgs.size).toBeGreaterThan(0)
    const before = db.replicaStats()
    for (const userId of new Set(everyone)) {
      const claims = { sub: userId, role: 'authenticated' as const }
      const onPrimary = await db.rls(claims, (tx) => readsOf(userId, tx))
      const onStandby = await db.rlsRead(claims, async (tx) => {
        // Where it ran, asked inside the read itself (not the handle's own counter).
        const [where] = await executeRows<{ standby: boolean }>(
          tx,
          sql`select pg_is_in_recovery() as standby`,
        )
        expect(where?.standby).toBe(true)
        return readsOf(userId, tx)
      })
      expect(onStandby).toEqual(onPrimary)
    }
    const after = db.replicaStats()
    expect(after.onReplica - before.onReplica).toBe(new Set(everyone).size)
    // It really was the standby.
    const [where] = await executeRows<{ standby: boolean }>(
      db.replica(),
      sql`select pg_is_in_recovery() as standby`,
    )
    expect(where?.standby).toBe(true)
  }, 120_000)

  it('a write inside rlsRead() is a ReadOnlyError, on the standby and without replicas', async () => {
    const userId = fixture.users.find((u) => (fixture.rooms.get(u) ?? []).length > 0) as string
    const roomId = (fixture.rooms.get(userId) ?? [])[0] as string
    const write = (tx: Transaction) => sendMessage(tx, { userId, roomId, content: 'read only?' })
    await expect(db.rlsRead({ sub: userId }, write)).rejects.toBeInstanceOf(ReadOnlyError)
    const primaryOnly = createDb({ url: primary.url(), maxConnections: 1 })
    try {
      await expect(primaryOnly.rlsRead({ sub: userId }, write)).rejects.toBeInstanceOf(
        ReadOnlyError,
      )
      expect(await primaryOnly.writePosition()).toBe('0/0')
    } finally {
      await primaryOnly.close()
    }
  })

  it('read-your-writes: 1,000 write-then-read pairs, each read sees its write', async () => {
    const userId = fixture.users.find((u) => (fixture.rooms.get(u) ?? []).length > 0) as string
    const roomId = (fixture.rooms.get(userId) ?? [])[0] as string
    const claims = { sub: userId, role: 'authenticated' as const }
    const before = db.replicaStats()
    let unseen = 0
    for (let i = 0; i < 1_000; i++) {
      const sent = await db.rls(claims, (tx) =>
        sendMessage(tx, { userId, roomId, content: `pair ${i}` }),
      )
      const after = await db.writePosition()
      const page = await db.rlsRead(claims, (tx) => listMessages(tx, { roomId, limit: 1 }), {
        after,
        maxWaitMs: i % 2 === 0 ? 250 : 0,
      })
      if (page.messages[0]?.id !== sent.id) unseen++
    }
    expect(unseen).toBe(0)
    const stats = db.replicaStats()
    expect(stats.reads - before.reads).toBe(1_000)
    // Each read either waited for the standby or went to the primary, counted either way.
    expect(stats.onReplica - before.onReplica + stats.fallbacks - before.fallbacks).toBe(1_000)
    // Most reads with a 250 ms wait stayed on the standby (it replays in about a millisecond).
    expect(stats.onReplica - before.onReplica).toBeGreaterThan(400)
  }, 180_000)

  it('a bad token is a one-line ConfigError', async () => {
    await expect(
      db.rlsRead({ role: 'anon' }, async () => 1, { after: "0/0'; drop table x" }),
    ).rejects.toThrow(/^rlsRead\(\): after must be a writePosition\(\) token/)
  })

  it('db:migrate and db:seed refuse the standby, saying why', async () => {
    const migrated = await runScript('migrate', [], { DATABASE_URL: standby.url() }, 60_000)
    expect(migrated.code).toBe(1)
    expect(migrated.stderr).toMatch(/^error: .*read-only standby.*primary/)
    const seeded = await runScript('seed', [], { DATABASE_URL: standby.url() }, 60_000)
    expect(seeded.code).toBe(1)
    expect(seeded.stderr).toMatch(/^error: .*read-only standby.*primary/)
  }, 120_000)

  it('a multi-host URL with target_session_attrs=primary finds the primary, standby first', async () => {
    const hosts = `127.0.0.1:${standby.port},127.0.0.1:${primary.port}`
    const multi = createDb({
      url: `postgres://postgres@${hosts}/postgres?target_session_attrs=primary`,
      maxConnections: 1,
    })
    try {
      expect(multi.target).toMatchObject({ kind: 'server', url: { port: standby.port } })
      const [row] = await executeRows<{ standby: boolean }>(
        multi,
        sql`select pg_is_in_recovery() as standby`,
      )
      expect(row?.standby).toBe(false)
    } finally {
      await multi.close()
    }
  })
})
