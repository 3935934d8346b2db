// Load: 50 simulated users, each acting under rls() as themselves, sending and reading messages
// for STRESS_LOAD_SECONDS (60 by default) on one createDb() pool of 10 connections, on the
// loopback server. Asserted: 0 errors, every sent message stored, and afterwards the pool idle
// (no session of the app active or idle in a transaction) and closed cleanly. Reported, not
// asserted: throughput and latency percentiles per operation.
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb, type Db } from '../../../src/db/client.ts'
import { listMessages, listMyRooms, markRead, sendMessage } from '../../../src/queries.ts'
import { chatRooms, messages, userChats } from '../../../src/schema.ts'
import { asUser, createTestUser, type TestUser } from '../../../src/testing/index.ts'
import { openTestDatabase, type TestDatabase } from '../../lanes.ts'
import { prng } from '../../vectors.ts'
import { stress } from '../settings.ts'

const USERS = 50
const POOL = 10
const ROOMS = 10
/** The mix of one user's next action; the rest of 1 is markRead. */
const mix = { send: 0.45, list: 0.4, rooms: 0.1 }

type Op = 'send' | 'list' | 'rooms' | 'read'

let t: TestDatabase
let pool: Db
let users: TestUser[] = []
/** The rooms of each user: every user is in two rooms of five to ten members. */
const roomsOf = new Map<string, string[]>()

beforeAll(async () => {
  t = await openTestDatabase()
  users = []
  for (let i = 0; i < USERS; i++) {
    users.push(await createTestUser(t.db, { metadata: { account_name: `load_user_${i}` } }))
  }
  const rooms = await t.db
    .insert(chatRooms)
    .values(
      Array.from({ length: ROOMS }, (_, r) => ({
        type: 'GROUP' as const,
        name: `Room ${r}`,
        createdBy: users[r]?.id,
      })),
    )
    .returning({ id: chatRooms.id })
  const members = users.flatMap((user, i) =>
    [i % ROOMS, (i + 3) % ROOMS].map((r) => ({
      chatRoomId: rooms[r]?.id as string,
      userId: user.id,
    })),
  )
  await t.db.insert(userChats).values(members)
  for (const m of members) roomsOf.set(m.userId, [...(roomsOf.get(m.userId) ?? []), m.chatRoomId])
  pool = createDb({ url: t.url as string, maxConnections: POOL })
})
afterAll(async () => {
  await pool?.close()
  await t?.close()
})

const percentile = (sorted: number[], p: number) =>
  sorted.length
    ? (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0)
    : 0

describe(`load: ${USERS} users on a pool of ${POOL} for ${stress.STRESS_LOAD_SECONDS} s (server)`, () => {
  it('0 errors; every message stored; the pool idle afterwards and closed cleanly', async () => {
    const latencies: Record<Op, number[]> = { send: [], list: [], rooms: [], read: [] }
    const errors: string[] = []
    let sent = 0
    const deadline = performance.now() + stress.STRESS_LOAD_SECONDS * 1000

    const simulate = async (user: TestUser, i: number) => {
      const random = prng(stress.STRESS_SEED * 1000 + i)
      const rooms = roomsOf.get(user.id) ?? []
      let n = 0
      while (performance.now() < deadline) {
        const roomId = rooms[Math.floor(random() * rooms.length)] as string
        const roll = random()
        const op: Op =
          roll < mix.send
            ? 'send'
            : roll < mix.send + mix.list
              ? 'list'
              : roll < mix.send + mix.list + mix.rooms
                ? 'rooms'
                : 'read'
        const started = performance.now()
        try {
          await asUser(pool, user, async (tx) => {
            if (op === 'send') {
              await sendMessage(tx, {
                userId: user.id,
                roomId,
                content: `m${i}.${n++}`,
              })
            } else if (op === 'list') {
              const page = await listMessages(tx, { roomId, limit: 50 })
              if (page.nextCursor)
                await listMessages(tx, { roomId, limit: 50, before: page.nextCursor })
            } else if (op === 'rooms') {
              await listMyRooms(tx, { userId: user.id })
            } else {
              await markRead(tx, { userId: user.id, roomId })
            }
          })
          if (op === 'send') sent++
          latencies[op].push(performance.now() - started)
        } catch (error) {
          errors.push(`${op} by user ${i}: ${String(error)}`)
        }
      }
    }

    const started = performance.now()
    await Promise.all(users.map(simulate))
    const seconds = (performance.now() - started) / 1000

    const total = Object.values(latencies).reduce((sum, l) => sum + l.length, 0)
    const all = Object.values(latencies)
      .flat()
      .sort((a, b) => a - b)
    const line = (name: string, l: number[]) => {
      const s = [...l].sort((a, b) => a - b)
      return `  ${name.padEnd(6)} ${String(s.length).padStart(7)} ops  p50 ${percentile(s, 50).toFixed(1)} ms  p95 ${percentile(s, 95).toFixed(1)} ms  p99 ${percentile(s, 99).toFixed(1)} ms`
    }
    console.log(
      [
        `load: ${USERS} users, pool ${POOL}, ${seconds.toFixed(1)} s: ${total} operations, ${Math.round(total / seconds)} ops/s, ${errors.length} errors`,
        line('all', all),
        ...Object.entries(latencies).map(([op, l]) => line(op, l)),
      ].join('\n'),
    )

    expect(errors.slice(0, 5)).toEqual([])
    expect(total).toBeGreaterThan(0)
    expect(await t.db.$count(messages)).toBe(sent)

    // The pool afterwards: no session of the app busy or left in a transaction, at most POOL
    // of its own (the harness's client has 4 more).
    const sessions = await t.sql.query<{ state: string; n: number }>(
      `select state, count(*)::int as n from pg_stat_activity
       where datname = current_database() and application_name = '@app/db' group by state`,
    )
    expect(sessions.filter((s) => s.state !== 'idle')).toEqual([])
    expect(sessions.reduce((sum, s) => sum + s.n, 0)).toBeLessThanOrEqual(POOL + 4)

    await pool.close()
    const left = await t.sql.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity
       where datname = current_database() and application_name = '@app/db'`,
    )
    expect(left[0]?.n ?? 0).toBeLessThanOrEqual(4)
    // And a query through the harness still works: nothing was left locked.
    expect(await t.db.execute(sql`select 1 as ok`)).toBeDefined()
  })
})
