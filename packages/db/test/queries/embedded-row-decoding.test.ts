// Cached statements on PGlite without Drizzle's per-query parsers
// (src/db/embedded-row-decoding.ts): only for columns that decode the same either way, only on
// a PGlite whose timestamptz decoder is its own, inside transactions too; the same rows as
// Drizzle's builder; and the drizzle-orm internals this reads, pinned.
import { readFileSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import { desc, entityKind, eq, getTableColumns, sql } from 'drizzle-orm'
import { customType, date, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createDb } from '../../src/db/client.ts'
import { decodesWithoutParsers, drizzleTextTypes } from '../../src/db/embedded-row-decoding.ts'
import { type Statement, statementNamed } from '../../src/db/statement-cache.ts'
import { createGroupRoom, listMessages, sendMessage } from '../../src/queries.ts'
import { messages } from '../../src/schema.ts'
import { asUser, createTestUser, type TestUser } from '../../src/testing/index.ts'
import { roomWithMessages } from '../fixtures/room-with-messages.ts'
import { itOnEmbedded, lane, openTestDatabase, type TestDatabase } from '../lanes.ts'

let t: TestDatabase
let alice: TestUser
let roomId: string
beforeAll(async () => {
  t = await openTestDatabase()
  ;({ alice, roomId } = await roomWithMessages(t.db, 'decoding', 3))
})
afterAll(() => t?.close())

const newest = () =>
  statementNamed('chat.newestMessages') as unknown as Statement<
    { roomId: string; limit: number },
    { createdAt: Date }[]
  >
const builderPage = () =>
  t.db
    .select(getTableColumns(messages))
    .from(messages)
    .where(eq(messages.chatRoomId, roomId))
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(3)

describe(`cached statements decode rows without Drizzle's parsers where that is the same (${lane})`, () => {
  it('decides by column kind: timestamptz as Date, and kinds PGlite decodes alike', () => {
    const stamp = customType<{ data: string }>({ dataType: () => 'timestamp(3) with time zone' })
    const kinds = pgTable('kinds', {
      id: uuid(),
      body: text(),
      at: timestamp({ withTimezone: true, precision: 3 }),
      atText: timestamp({ withTimezone: true, mode: 'string' }),
      local: timestamp(),
      day: date(),
      tags: text().array(),
      custom: stamp(),
    })
    const one = (field: unknown) => decodesWithoutParsers([{ path: ['x'], field }])
    expect(one(kinds.id) && one(kinds.body) && one(kinds.at)).toBe(true)
    for (const column of [kinds.atText, kinds.local, kinds.day, kinds.tags, kinds.custom]) {
      expect(one(column)).toBe(false)
    }
    expect(one(sql`now()`)).toBe(false)
    expect(decodesWithoutParsers(undefined)).toBe(false)
    // The schema's own: messages (uuid, text, timestamptz) yes; a profile's birthday (a date
    // kept as text) no.
    expect(newest().built().decodesWithoutParsers).toBe(true)
    expect(statementNamed('users.profileOf').built().decodesWithoutParsers).toBe(false)
  })

  it("returns the builder's rows, Dates included, on the pool and inside rls()", async () => {
    const expected = await builderPage()
    expect(expected[0]?.createdAt).toBeInstanceOf(Date)
    expect(await newest().run(t.db, { roomId, limit: 3 })).toEqual(expected)
    expect(await asUser(t.db, alice, (tx) => newest().run(tx, { roomId, limit: 3 }))).toEqual(
      expected,
    )
    const page = await asUser(t.db, alice, (tx) => listMessages(tx, { roomId, limit: 3 }))
    expect(page.messages.map((m) => m.createdAt.getTime())).toEqual(
      expected.map((m) => m.createdAt.getTime()),
    )
  })

  itOnEmbedded("pins Drizzle's PGlite query: its parsers are the nine types, in array mode", () => {
    const built = newest().built()
    const prepared = t.db._.session.prepareQuery(
      built.query,
      built.fields,
      undefined,
      built.arrayMode,
      built.customResultMapper,
    ) as unknown as { queryConfig: { rowMode: string; parsers: object } }
    expect((prepared.constructor as { [entityKind]?: string })[entityKind]).toBe(
      'PglitePreparedQuery',
    )
    expect(prepared.queryConfig.rowMode).toBe('array')
    expect(Object.keys(prepared.queryConfig.parsers).map(Number).sort()).toEqual([
      ...drizzleTextTypes,
    ])
  })

  itOnEmbedded(
    'sends PGlite no parsers for such a statement, and the builder still does',
    async () => {
      const pg = t.pglite as PGlite
      const seen: unknown[] = []
      const query = pg.query.bind(pg)
      pg.query = ((text: string, params?: unknown[], options?: unknown) => {
        seen.push(options)
        return query(text, params, options as Parameters<PGlite['query']>[2])
      }) as PGlite['query']
      try {
        await newest().run(t.db, { roomId, limit: 3 })
        await builderPage()
      } finally {
        pg.query = query
      }
      expect(seen[0]).toEqual({ rowMode: 'array' })
      expect(seen[1]).toMatchObject({ rowMode: 'array', parsers: expect.any(Object) })
    },
  )

  itOnEmbedded(
    "inside a transaction too: PGlite's own timestamptz decoder is what runs",
    async () => {
      // A transaction's session is a new one; it must still be known as this handle's. Swapping
      // the decoder after createDb() shows which path ran: Drizzle's parsers would hide it.
      const pg = t.pglite as PGlite
      const own = pg.parsers[1184]
      const marked = new Date(0)
      pg.parsers[1184] = () => marked
      try {
        const rows = await asUser(t.db, alice, (tx) => newest().run(tx, { roomId, limit: 1 }))
        expect(rows[0]?.createdAt).toBe(marked)
      } finally {
        if (own) pg.parsers[1184] = own
      }
    },
  )

  itOnEmbedded("a PGlite with its own timestamptz decoder keeps Drizzle's parsers", async () => {
    const pg = new PGlite({
      loadDataDir: new Blob([readFileSync(inject('migrated'))]),
      extensions: { vector },
      parsers: { 1184: () => 'not a time' },
    })
    const db = createDb({ pglite: pg })
    try {
      const bob = await createTestUser(db)
      const room = await asUser(db, bob, (tx) =>
        createGroupRoom(tx, { userId: bob.id, name: 'custom', memberIds: [] }),
      )
      await asUser(db, bob, (tx) =>
        sendMessage(tx, { userId: bob.id, roomId: room.id, content: 'x' }),
      )
      const rows = await asUser(db, bob, (tx) => newest().run(tx, { roomId: room.id, limit: 1 }))
      expect(rows[0]?.createdAt).toBeInstanceOf(Date)
      expect(Number.isNaN(rows[0]?.createdAt.getTime())).toBe(false)
    } finally {
      await db.close()
    }
  })
})
