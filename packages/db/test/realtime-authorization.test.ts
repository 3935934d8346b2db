// Who may join a room's private Realtime channel, across every room of the seed data, on both
// lanes. Realtime asks the database as supabase/realtime does it
// (lib/realtime/tenants/authorization.ex), replayed here statement for statement:
//   receive: as the connecting role, rows for the channel's topic (one per extension) are
//            written to realtime.messages; then role, `realtime.topic`, the claims and the
//            request headers are set for the transaction, and the user may receive what they
//            can SELECT of those rows;
//   send:    the same settings, then an INSERT per extension under a savepoint: 42501 = no;
// and every check ends in ROLLBACK.
// The spec: for each actor, may they receive / send broadcasts and presence on `room:<id>`.
const spec = [
  { actor: 'member', receive: true, send: true },
  { actor: 'member who left', receive: false, send: false },
  { actor: 'stranger', receive: false, send: false },
  { actor: 'anon', receive: false, send: false },
  { actor: 'service_role', receive: true, send: true },
] as const

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { leaveRoom } from '../src/domains/chat/queries.ts'
import type { SqlRunner } from '../src/migrations/sql-runner.ts'
import { roomTopic } from '../src/realtime.ts'
import { seed } from '../src/seed/index.ts'
import { lane, openTestDatabase, type TestDatabase } from './lanes.ts'

type Who = { role: 'anon' | 'authenticated' | 'service_role'; sub?: string }
type Access = { receive: boolean; send: boolean }
const extensions = ['broadcast', 'presence'] as const

class Rollback extends Error {}

/** Realtime's read and write checks for one user and topic; both extensions must agree. */
async function authorize(db: SqlRunner, who: Who, topic: string): Promise<Access> {
  const settings = async (tx: SqlRunner) => {
    const claims = who.sub ? { sub: who.sub, role: who.role } : { role: who.role }
    await tx.query(
      `select set_config('role', $1, true), set_config('realtime.topic', $2, true),
              set_config('request.jwt.claims', $3, true), set_config('request.jwt.claim.sub', $4, true),
              set_config('request.jwt.claim.role', $5, true), set_config('request.headers', $6, true)`,
      [who.role, topic, JSON.stringify(claims), who.sub ?? '', who.role, '{}'],
    )
  }
  const inRolledBack = async <T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> => {
    let result: T | undefined
    await db
      .transaction(async (tx) => {
        result = await fn(tx)
        throw new Rollback()
      })
      .catch((error) => {
        if (!(error instanceof Rollback)) throw error
      })
    return result as T
  }
  const read = await inRolledBack(async (tx) => {
    const ids = await tx.query<{ id: string }>(
      `insert into realtime.messages (topic, extension) select $1, unnest($2::text[]) returning id::text`,
      [topic, extensions],
    )
    await settings(tx)
    const seen = await tx.query<{ id: string }>(
      'select id::text from realtime.messages where id::text = any($1::text[])',
      [ids.map((r) => r.id)],
    )
    return seen.length === extensions.length ? true : seen.length === 0 ? false : 'partly'
  })
  const write = await inRolledBack(async (tx) => {
    await settings(tx)
    const allowed: boolean[] = []
    for (const extension of extensions) {
      await tx.exec('savepoint realtime_write')
      try {
        await tx.query('insert into realtime.messages (topic, extension) values ($1, $2)', [
          topic,
          extension,
        ])
        await tx.exec('release savepoint realtime_write')
        allowed.push(true)
      } catch (error) {
        if ((error as { code?: string }).code !== '42501') throw error
        await tx.exec('rollback to savepoint realtime_write')
        allowed.push(false)
      }
    }
    return allowed.every(Boolean) ? true : allowed.some(Boolean) ? 'partly' : false
  })
  if (read === 'partly' || write === 'partly') {
    throw new Error(`broadcast and presence disagree for ${who.role} ${who.sub} on ${topic}`)
  }
  return { receive: read, send: write }
}

let t: TestDatabase
let rooms: { id: string; members: string[] }[] = []
let users: string[] = []
beforeAll(async () => {
  t = await openTestDatabase()
  await seed(t.db)
  users = (await t.sql.query<{ id: string }>('select id::text from general_users order by id')).map(
    (r) => r.id,
  )
  const memberships = await t.sql.query<{ room: string; members: string[] }>(
    `select r.id as room, coalesce(array_agg(uc.user_id::text order by uc.user_id)
              filter (where uc.user_id is not null), '{}') as members
     from chat_rooms r left join user_chats uc on uc.chat_room_id = r.id
     group by r.id order by r.id`,
  )
  rooms = memberships.map((m) => ({ id: m.room, members: m.members }))
}, 120_000)
afterAll(() => t?.close())

const expected = (actor: (typeof spec)[number]['actor']): Access => {
  const row = spec.find((s) => s.actor === actor)
  if (!row) throw new Error(`no spec row for ${actor}`)
  return { receive: row.receive, send: row.send }
}

describe(`who may join a room's private channel (${lane})`, () => {
  it('the seed data has rooms with members and people outside them', () => {
    expect(rooms.length).toBeGreaterThan(5)
    expect(rooms.every((r) => r.members.length >= 2)).toBe(true)
    expect(rooms.some((r) => r.members.length < users.length)).toBe(true)
  })

  it('in every room: every member, nobody else; anon never; service_role always', async () => {
    const wrong: string[] = []
    const check = async (who: Who, roomId: string, actor: (typeof spec)[number]['actor']) => {
      const got = await authorize(t.sql, who, roomTopic(roomId))
      const want = expected(actor)
      if (got.receive !== want.receive || got.send !== want.send) {
        wrong.push(`${actor} ${who.sub ?? who.role} on room ${roomId}: ${JSON.stringify(got)}`)
      }
    }
    for (const room of rooms) {
      for (const user of users) {
        const actor = room.members.includes(user) ? 'member' : 'stranger'
        await check({ role: 'authenticated', sub: user }, room.id, actor)
      }
      await check({ role: 'anon' }, room.id, 'anon')
      await check({ role: 'service_role' }, room.id, 'service_role')
    }
    expect(wrong).toEqual([])
  })

  it('a member who leaves a room can no longer join its channel', async () => {
    const wrong: string[] = []
    for (const room of rooms) {
      const leaver = room.members[0] as string
      await t.db.rls({ sub: leaver }, (tx) => leaveRoom(tx, { userId: leaver, roomId: room.id }))
      const got = await authorize(t.sql, { role: 'authenticated', sub: leaver }, roomTopic(room.id))
      const want = expected('member who left')
      if (got.receive !== want.receive || got.send !== want.send) {
        wrong.push(`${leaver} on room ${room.id}: ${JSON.stringify(got)}`)
      }
      // The others stay in.
      const stayer = room.members[1] as string
      expect(
        await authorize(t.sql, { role: 'authenticated', sub: stayer }, roomTopic(room.id)),
      ).toEqual(expected('member'))
    }
    expect(wrong).toEqual([])
  })

  // Hostile channels: a topic is only ever the exact `room:<id>` of a room one is in.
  const hostile = [
    { name: 'an upper-case prefix', topic: (id: string) => `ROOM:${id}` },
    { name: 'a trailing space', topic: (id: string) => `room:${id} ` },
    { name: 'no prefix', topic: (id: string) => id },
    { name: 'a doubled prefix', topic: (id: string) => `room:room:${id}` },
    { name: 'a suffix', topic: (id: string) => `room:${id}:x` },
  ]
  it.each(hostile)('a member cannot join a channel named with $name', async ({ topic }) => {
    const room = rooms.find((r) => r.members.length >= 3) ?? rooms[0]
    const member = room?.members.at(-1) as string
    expect(
      await authorize(t.sql, { role: 'authenticated', sub: member }, topic(room?.id as string)),
    ).toEqual({ receive: false, send: false })
  })

  it("a member cannot write another room's broadcast by naming their own room in realtime.topic", async () => {
    const mine = rooms.find((r) => r.members.length >= 2) as (typeof rooms)[number]
    const member = mine.members.at(-1) as string
    const other = rooms.find((r) => !r.members.includes(member)) as (typeof rooms)[number]
    await expect(
      t.sql.transaction(async (tx) => {
        await tx.query(
          `select set_config('role', 'authenticated', true), set_config('realtime.topic', $1, true),
                  set_config('request.jwt.claims', $2, true)`,
          [roomTopic(mine.id), JSON.stringify({ sub: member, role: 'authenticated' })],
        )
        await tx.query(
          `insert into realtime.messages (topic, extension, event, payload) values ($1, 'broadcast', 'message_created', '{}')`,
          [roomTopic(other.id)],
        )
      }),
    ).rejects.toMatchObject({ code: '42501' })
  })
})
