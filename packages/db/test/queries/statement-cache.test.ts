// Statements built once per process (src/db/statement-cache.ts): the same SQL text and
// parameters as the builder they replace, built once whatever handle runs them (the pool, an
// rls() transaction, a caller's transaction and a savepoint in it), on both lanes; and the
// drizzle-orm internals the cache relies on, pinned.
import {
  and,
  cosineDistance,
  desc,
  eq,
  fillPlaceholders,
  getTableColumns,
  lt,
  or,
  sql,
} from 'drizzle-orm'
import { pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  cached,
  cachedSql,
  type Params,
  type Statement,
  statementNamed,
} from '../../src/db/statement-cache.ts'
import { NotFoundError } from '../../src/errors/errors.ts'
import { listMessages, sendMessage } from '../../src/queries.ts'
import { chatRooms, embeddings, generalUsers, messages, userChats } from '../../src/schema.ts'
import { asUser, createTestUser, type TestUser } from '../../src/testing/index.ts'
import { roomWithMessages } from '../fixtures/room-with-messages.ts'
import { lane, openTestDatabase, type TestDatabase } from '../lanes.ts'

const named = statementNamed

let t: TestDatabase
let alice: TestUser
let roomId: string
beforeAll(async () => {
  t = await openTestDatabase()
  ;({ alice, roomId } = await roomWithMessages(t.db, 'cache', 5))
})
afterAll(() => t?.close())

describe(`statement cache (${lane})`, () => {
  it('builds each shape once, whichever handle runs it', async () => {
    const first = named('chat.newestMessages')
    const before = named('chat.messagesBefore')
    const page = await asUser(t.db, alice, (tx) => listMessages(tx, { roomId, limit: 2 }))
    const cursor = page.nextCursor ?? undefined
    expect(cursor).toBeDefined()
    // The pool (as the owner), rls(), a caller's transaction, a savepoint inside rls().
    const runs = [
      () => listMessages(t.db, { roomId, limit: 2, before: cursor }),
      () => asUser(t.db, alice, (tx) => listMessages(tx, { roomId, limit: 2, before: cursor })),
      () => t.db.transaction((tx) => listMessages(tx, { roomId, limit: 2, before: cursor })),
      () =>
        asUser(t.db, alice, (tx) =>
          tx.transaction((sp) => listMessages(sp, { roomId, limit: 2, before: cursor })),
        ),
    ]
    for (const run of runs) {
      const next = await run()
      expect(next.messages.map((m) => m.content)).toEqual(['m2', 'm1'])
      expect(next.messages[0]?.createdAt).toBeInstanceOf(Date)
    }
    for (const run of runs.slice(0, 3)) await run()
    expect(first.builds).toBe(1)
    expect(before.builds).toBe(1)
    // With and without a cursor: two statements, not one rebuilt.
    expect(first.built().query.sql).not.toBe(before.built().query.sql)
  })

  it("sends the builder's own SQL text and parameters, in order", async () => {
    const createdAt = new Date('2024-01-02T03:04:05.678Z')
    const id = 'bbbbbbbbbbbbbbbbbbbbbbbb'
    const room = 'aaaaaaaaaaaaaaaaaaaaaaaa'
    // What listMessages built on every call before the cache, with a cursor.
    const builder = t.db
      .select()
      .from(messages)
      .where(
        and(
          eq(messages.chatRoomId, room),
          or(
            lt(messages.createdAt, createdAt),
            and(eq(messages.createdAt, createdAt), lt(messages.id, id)),
          ),
        ),
      )
      .orderBy(desc(messages.createdAt), desc(messages.id))
      .limit(51)
      .toSQL()
    const built = named('chat.messagesBefore').built()
    expect(built.query.sql).toBe(builder.sql)
    const values = { roomId: room, limit: 51, beforeCreatedAt: createdAt, beforeId: id }
    // Two text parameters (room and id) swapped would differ here.
    expect(fillPlaceholders(built.query.params, values)).toEqual(builder.params)

    const insert = t.db
      .insert(messages)
      .values({ chatRoomId: room, senderUserId: alice.id, content: 'x' })
      .returning()
      .toSQL()
    const sent = named('chat.insertMessage').built()
    expect(sent.query.sql).toBe(insert.sql)
    expect(
      fillPlaceholders(sent.query.params, { roomId: room, userId: alice.id, content: 'x' }),
    ).toEqual(insert.params)
  })

  it("keeps cosineDistance()'s text for the vector search", () => {
    const embedding = [0.5, 0.25]
    const distance = cosineDistance(embeddings.embedding, embedding)
    const builder = t.db
      .select({ id: embeddings.id, content: embeddings.content, distance })
      .from(embeddings)
      .orderBy(distance)
      .limit(10)
      .toSQL()
    const built = named('ai.searchEmbeddings').built()
    expect(built.query.sql).toBe(builder.sql)
    expect(
      fillPlaceholders(built.query.params, { embedding: JSON.stringify(embedding), k: 10 }),
    ).toEqual(builder.params)
  })

  it('binds values by name, not position', async () => {
    const pair = cachedSql(
      'test.pair',
      ($: Params<{ a: string; b: string }>) =>
        sql<{ a: string; b: string }>`select ${$('b')}::text as b, ${$('a')}::text as a`,
    )
    expect(await pair.run(t.db, { a: 'first', b: 'second' })).toEqual([{ b: 'second', a: 'first' }])
    expect(await asUser(t.db, alice, (tx) => pair.run(tx, { a: 'x', b: 'y' }))).toEqual([
      { b: 'y', a: 'x' },
    ])
    expect(pair.builds).toBe(1)
  })

  it('maps a flat list of columns as the builder does, with its own mapper', async () => {
    const page = named('chat.newestMessages') as unknown as Statement<
      { roomId: string; limit: number },
      unknown[]
    >
    const builder = await t.db
      .select(getTableColumns(messages))
      .from(messages)
      .where(eq(messages.chatRoomId, roomId))
      .orderBy(desc(messages.createdAt), desc(messages.id))
      .limit(3)
    expect(await page.run(t.db, { roomId, limit: 3 })).toEqual(builder)
    expect(builder[0]?.createdAt).toBeInstanceOf(Date)
    expect(page.built().customResultMapper).toBeDefined()
  })

  it('maps rows as the builder does, a left join that found nothing included', async () => {
    // Pins drizzle-orm internals the cache reads: the fields a builder hands its session and
    // the joinsNotNullableMap its select sets afterwards (without it, the nested object would be
    // { userId: null } rather than null).
    const stranger = '00000000-0000-4000-8000-000000000009'
    const roomsWithMember = cached('test.leftJoin', (q, $: Params<{ userId: string }>) =>
      q
        .select({ id: chatRooms.id, member: { userId: userChats.userId } })
        .from(chatRooms)
        .leftJoin(
          userChats,
          and(
            eq(userChats.chatRoomId, chatRooms.id),
            eq(userChats.userId, $('userId', userChats.userId)),
          ),
        )
        .where(eq(chatRooms.id, roomId)),
    )
    const builder = (userId: string) =>
      t.db
        .select({ id: chatRooms.id, member: { userId: userChats.userId } })
        .from(chatRooms)
        .leftJoin(
          userChats,
          and(eq(userChats.chatRoomId, chatRooms.id), eq(userChats.userId, userId)),
        )
        .where(eq(chatRooms.id, roomId))
    for (const userId of [alice.id, stranger]) {
      expect(await roomsWithMember.run(t.db, { userId })).toEqual(await builder(userId))
    }
    expect(await roomsWithMember.run(t.db, { userId: stranger })).toEqual([
      { id: roomId, member: null },
    ])
    // Nested fields: Drizzle's own mapper, which reads the map below.
    expect(roomsWithMember.built().customResultMapper).toBeUndefined()
    expect(roomsWithMember.built().joinsNotNullableMap).toEqual({
      chat_rooms: true,
      user_chats: false,
    })
  })

  it('keeps typed errors and RLS: a stranger still finds no room', async () => {
    const mallory = await createTestUser(t.db)
    await expect(
      asUser(t.db, mallory, (tx) => listMessages(tx, { roomId, limit: 2 })),
    ).rejects.toThrow(NotFoundError)
    await expect(
      asUser(t.db, mallory, (tx) =>
        sendMessage(tx, { userId: mallory.id, roomId, content: 'let me in' }),
      ),
    ).rejects.toThrow(NotFoundError)
  })

  it('refuses to cache a value computed while building', () => {
    // A JS value from $onUpdate (or $defaultFn) would be frozen at the first call. Built only,
    // never run: the table need not exist.
    const stamped = pgTable('stamped', {
      id: text().primaryKey(),
      note: text(),
      at: timestamp().$onUpdate(() => new Date()),
    })
    const frozen = cached('test.frozen', (q, $: Params<{ id: string }>) =>
      q
        .update(stamped)
        .set({ note: 'x' })
        .where(eq(stamped.id, $('id', stamped.id))),
    )
    expect(() => frozen.built()).toThrow(/computed while building.*\(at:/)
    const fromParameter = cached(
      'test.atFromParameter',
      (q, $: Params<{ id: string; now: Date }>) =>
        q
          .update(stamped)
          .set({ note: 'x', at: sql`${$('now', stamped.at)}` })
          .where(eq(stamped.id, $('id', stamped.id))),
    )
    expect(fromParameter.built().query.sql).toContain('"at" = $2')
    // The schema's own updated_at is SQL (now()): built once, it is now() on every call.
    const touch = cached('test.touchUser', (q, $: Params<{ id: string }>) =>
      q
        .update(generalUsers)
        .set({ accountName: 'x' })
        .where(eq(generalUsers.id, $('id', generalUsers.id))),
    )
    expect(touch.built().query.sql).toContain('"updated_at" = now()')
  })
})
