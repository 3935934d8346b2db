// Live chat through Supabase Realtime, on both lanes: what the database broadcasts to a room's
// private channel, and who Realtime lets join it. Realtime itself (Elixir) does not run here;
// its authorization is replayed statement for statement as supabase/realtime does it
// (lib/realtime/tenants/authorization.ex): rows for the channel's topic written to
// realtime.messages, the user's role, claims and `realtime.topic` set per transaction, then
// SELECT of those rows (may receive) and INSERT under a savepoint (may send), rolled back.

// The broadcasts of each change, as a client receives them (event, then the payload's keys).
const broadcasts = [
  { change: 'a member sends a message', event: 'message_created' },
  { change: 'the sender edits it', event: 'message_edited' },
  { change: 'the sender deletes it', event: 'message_deleted' },
  { change: 'the creator adds a member', event: 'member_joined' },
  { change: 'a member leaves', event: 'member_left' },
] as const

import type { PGlite } from '@electric-sql/pglite'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Transaction } from '../src/db/client.ts'
import {
  createGroupRoom,
  deleteMessage,
  editMessage,
  leaveRoom,
  sendMessage,
} from '../src/domains/chat/queries.ts'
import { postgresRunner, type SqlRunner } from '../src/migrations/sql-runner.ts'
import { parseRoomBroadcast, type RoomBroadcast, roomTopic } from '../src/realtime.ts'
import { createTestUser, type TestUser } from '../src/testing/index.ts'
import { lane, openTestDatabase, type TestDatabase } from './lanes.ts'

let t: TestDatabase
let alice: TestUser
let bob: TestUser
let carol: TestUser
let roomId: string
beforeAll(async () => {
  t = await openTestDatabase()
  ;[alice, bob, carol] = [
    await createTestUser(t.db),
    await createTestUser(t.db),
    await createTestUser(t.db),
  ]
  const room = await t.db.rls({ sub: alice.id }, (tx) =>
    createGroupRoom(tx, { userId: alice.id, name: 'Team', memberIds: [bob.id] }),
  )
  roomId = room.id
})
afterAll(() => t?.close())

type BroadcastRow = { topic: string; event: string; private: boolean; payload: unknown }

/** The database broadcasts written while `fn` ran. */
async function broadcastsOf(fn: () => Promise<unknown>): Promise<BroadcastRow[]> {
  // By id, not by time: inserted_at is a timestamp without time zone in the writer's TimeZone.
  const before = await t.sql.query<{ id: string }>('select id::text from realtime.messages')
  await fn()
  return t.sql.query<BroadcastRow>(
    `select topic, event, private, payload from realtime.messages
     where extension = 'broadcast' and not (id::text = any($1::text[])) order by event, topic`,
    [before.map((r) => r.id)],
  )
}

/** As supabase-js hands a broadcast to `.on('broadcast', …)`. */
const received = (row: BroadcastRow): RoomBroadcast | null =>
  parseRoomBroadcast({ event: row.event, payload: row.payload })

describe(`database broadcasts to room channels (${lane})`, () => {
  let messageId: string

  it.each(broadcasts)('$change: one $event on the room topic', async ({ event }) => {
    const as = <T>(user: TestUser, fn: (tx: Transaction) => Promise<T>) =>
      t.db.rls({ sub: user.id }, fn)
    const rows = await broadcastsOf(async () => {
      if (event === 'message_created') {
        messageId = (
          await as(bob, (tx) => sendMessage(tx, { userId: bob.id, roomId, content: 'hi all' }))
        ).id
      } else if (event === 'message_edited') {
        await as(bob, (tx) =>
          editMessage(tx, { userId: bob.id, id: messageId, content: 'hi, all' }),
        )
      } else if (event === 'message_deleted') {
        await as(bob, (tx) => deleteMessage(tx, { userId: bob.id, id: messageId }))
      } else if (event === 'member_joined') {
        await t.sql.query(`insert into user_chats (chat_room_id, user_id) values ($1, $2)`, [
          roomId,
          carol.id,
        ])
      } else {
        await as(carol, (tx) => leaveRoom(tx, { userId: carol.id, roomId }))
      }
    })
    expect(rows).toHaveLength(1)
    const [row] = rows as [BroadcastRow]
    expect(row.topic).toBe(roomTopic(roomId))
    expect(row.private).toBe(true)
    const change = received(row)
    expect(change?.event).toBe(event)
    if (change?.event === 'message_created' || change?.event === 'message_edited') {
      const [stored] = await t.sql.query<Record<string, unknown>>(
        `select id, chat_room_id, sender_user_id, sender_virtual_user_id, content, created_at, edited_at
         from messages where id = $1`,
        [messageId],
      )
      expect(change.payload).toEqual({
        id: stored?.id,
        chatRoomId: roomId,
        senderUserId: bob.id,
        senderVirtualUserId: null,
        content: stored?.content,
        createdAt: new Date(stored?.created_at as string),
        editedAt: stored?.edited_at === null ? null : new Date(stored?.edited_at as string),
      })
      expect(change.payload.content).toBe(event === 'message_created' ? 'hi all' : 'hi, all')
      if (event === 'message_edited') expect(change.payload.editedAt).toBeInstanceOf(Date)
    } else if (change?.event === 'message_deleted') {
      expect(change.payload).toEqual({ id: messageId, chatRoomId: roomId })
    } else if (change?.event === 'member_joined') {
      expect(change.payload).toEqual({
        chatRoomId: roomId,
        userId: carol.id,
        joinedAt: expect.any(Date),
      })
    } else {
      expect(change).toEqual({
        event: 'member_left',
        payload: { chatRoomId: roomId, userId: carol.id },
      })
    }
    // Nothing beyond what a member reads through the tables (member events get Realtime's id).
    const keys = Object.keys(row.payload as object).sort()
    const message = [
      'chatRoomId',
      'content',
      'createdAt',
      'editedAt',
      'id',
      'senderUserId',
      'senderVirtualUserId',
    ]
    const documented: Record<string, string[]> = {
      message_created: message,
      message_edited: message,
      message_deleted: ['chatRoomId', 'id'],
      member_joined: ['chatRoomId', 'id', 'joinedAt', 'userId'],
      member_left: ['chatRoomId', 'id', 'userId'],
    }
    expect(keys).toEqual(documented[event])
  })

  it('an update that changes nothing broadcasts nothing; a marked-read room neither', async () => {
    const sent = await t.db.rls({ sub: bob.id }, (tx) =>
      sendMessage(tx, { userId: bob.id, roomId, content: 'same' }),
    )
    const rows = await broadcastsOf(async () => {
      await t.sql.query(`update messages set content = content where id = $1`, [sent.id])
      await t.sql.query(`update user_chats set last_read_at = now() where chat_room_id = $1`, [
        roomId,
      ])
    })
    expect(rows).toEqual([])
  })

  it('a message moved to another room is deleted from the old one and created in the new', async () => {
    const other = await t.db.rls({ sub: alice.id }, (tx) =>
      createGroupRoom(tx, { userId: alice.id, name: 'Other', memberIds: [] }),
    )
    const sent = await t.db.rls({ sub: alice.id }, (tx) =>
      sendMessage(tx, { userId: alice.id, roomId, content: 'moving' }),
    )
    const rows = await broadcastsOf(() =>
      t.sql.query(`update messages set chat_room_id = $1 where id = $2`, [other.id, sent.id]),
    )
    expect(rows.map((r) => [r.topic, r.event]).sort()).toEqual(
      [
        [roomTopic(other.id), 'message_created'],
        [roomTopic(roomId), 'message_deleted'],
      ].sort(),
    )
  })

  it('a failing broadcast does not fail the write: no partition for the day, as on Supabase', async () => {
    // Realtime creates each day's partition of realtime.messages; without one, the insert of
    // the broadcast fails. The message must be stored all the same.
    await t.sql.exec('alter table realtime.messages detach partition realtime.messages_stand_in')
    try {
      const sent = await t.db.rls({ sub: bob.id }, (tx) =>
        sendMessage(tx, { userId: bob.id, roomId, content: 'no partition today' }),
      )
      const [row] = await t.sql.query<{ n: number }>(
        'select count(*)::int as n from messages where id = $1',
        [sent.id],
      )
      expect(row?.n).toBe(1)
    } finally {
      await t.sql.exec(
        'alter table realtime.messages attach partition realtime.messages_stand_in default',
      )
    }
  })

  it('a failing broadcast does not fail the write: no realtime.send at all, and it says so', async () => {
    const warnings: string[] = []
    const sentId = await withNotices(warnings, async (tx) => {
      await tx.exec('drop function realtime.send(jsonb, text, text, boolean)')
      await actAs(tx, bob.id)
      const [row] = await tx.query<{ id: string }>(
        `insert into public.messages (chat_room_id, sender_user_id, content) values ($1, $2, 'still here') returning id`,
        [roomId, bob.id],
      )
      return row?.id
    })
    expect(sentId).toMatch(/^[a-z][a-z0-9]{23}$/)
    expect(warnings.join('\n')).toMatch(/broadcast of message_created to room \w+ failed \(42883\)/)
  })

  it('a bulk load may turn broadcasts off for its own transaction only', async () => {
    const rows = await broadcastsOf(async () => {
      await t.sql.transaction(async (tx) => {
        await tx.query(`select set_config('app_db.broadcasts', 'off', true)`)
        await tx.query(
          `insert into messages (chat_room_id, sender_user_id, content) values ($1, $2, 'quiet')`,
          [roomId, bob.id],
        )
      })
      await t.sql.query(
        `insert into messages (chat_room_id, sender_user_id, content) values ($1, $2, 'loud')`,
        [roomId, bob.id],
      )
    })
    expect(rows.map((r) => received(r)?.event)).toEqual(['message_created'])
  })
})

/** Becomes the user inside a transaction, as rls() and PostgREST do. */
async function actAs(tx: SqlRunner, userId: string) {
  await tx.query(
    `select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`,
    [JSON.stringify({ sub: userId, role: 'authenticated' })],
  )
}

class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super('rollback')
  }
}

/** Runs `fn` in a transaction that is rolled back, collecting the server's WARNINGs. */
async function withNotices<T>(warnings: string[], fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
  const keep = (severity: string, message: string) => {
    if (severity === 'WARNING') warnings.push(message)
  }
  const rolledBack = async (
    begin: (body: (tx: SqlRunner) => Promise<never>) => Promise<unknown>,
  ) => {
    try {
      await begin(async (tx) => {
        throw new Rollback(await fn(tx))
      })
    } catch (error) {
      if (error instanceof Rollback) return error.value as T
      throw error
    }
    throw new Error('unreachable: the transaction always rolls back')
  }
  if (t.pglite) {
    const onNotice = (n: { severity?: string; message?: string }) =>
      keep(String(n.severity), String(n.message))
    return rolledBack((body) =>
      (t.pglite as PGlite).transaction((tx) =>
        body({
          query: async (text, params = []) => (await tx.query(text, params, { onNotice })).rows,
          exec: async (script) => {
            await tx.exec(script, { onNotice })
          },
          transaction: () => Promise.reject(new Error('nested transactions are not supported')),
        } as SqlRunner),
      ),
    )
  }
  const raw = postgres(t.url as string, {
    max: 1,
    onnotice: (n) => keep(String(n.severity), String(n.message)),
  })
  try {
    return await rolledBack((body) => postgresRunner(raw).transaction(body))
  } finally {
    await raw.end({ timeout: 5 })
  }
}
