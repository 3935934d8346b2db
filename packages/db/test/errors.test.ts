// Typed errors at the package boundary, each from a real failure on the lane it runs in: a
// caller never sees a raw driver error for an expected case, and never needs to know which
// driver ran the query.
import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb, executeRows } from '../src/db/client.ts'
import {
  ConnectionError,
  mapErrors,
  NotFoundError,
  NotMigratedError,
  ReadOnlyError,
  TimeoutError,
  ValidationError,
} from '../src/errors/index.ts'
import { createGroupRoom, listMyRooms, openPrivateRoom, sendMessage } from '../src/queries.ts'
import { addresses, userChats } from '../src/schema.ts'
import { asUser, createTestUser, type TestUser } from '../src/testing/index.ts'
import { lane, openTestDatabase, type TestDatabase } from './lanes.ts'
import { adminUrl, withAdmin } from './server-admin.ts'

let t: TestDatabase
let alice: TestUser
let roomId: string
beforeAll(async () => {
  t = await openTestDatabase()
  alice = await createTestUser(t.db)
  roomId = (
    await asUser(t.db, alice, (tx) =>
      createGroupRoom(tx, { userId: alice.id, name: 'Errors', memberIds: [] }),
    )
  ).id
})
afterAll(() => t?.close())

const errorOf = (p: Promise<unknown>) => p.then(() => undefined).catch((e: unknown) => e)

describe(`typed errors (${lane})`, () => {
  it('a database that cannot be reached is a ConnectionError, inside rls() too', async () => {
    const unreachable =
      lane === 'server'
        ? createDb({ url: 'postgres://postgres@127.0.0.1:1/postgres', connectTimeoutSeconds: 2 })
        : createDb({ pglite: new PGlite({ extensions: { vector } }) })
    if (lane === 'embedded') await unreachable.close() // a closed in-process database
    const direct = await errorOf(listMyRooms(unreachable, { userId: alice.id }))
    const inRls = await errorOf(
      asUser(unreachable, alice, (tx) => listMyRooms(tx, { userId: alice.id })),
    )
    for (const error of [direct, inRls]) {
      expect(error).toBeInstanceOf(ConnectionError)
      expect(String((error as Error).message)).toMatch(/^cannot reach the database/)
    }
    await unreachable.close().catch(() => {})
  })

  it('a database that was never migrated is a NotMigratedError that says what to run', async () => {
    let empty: ReturnType<typeof createDb>
    let drop = async () => {}
    if (lane === 'server') {
      const base = t.url as string
      const name = `app_db_unmigrated_${process.pid}`
      await withAdmin(base, (admin) => admin.unsafe(`create database "${name}"`))
      empty = createDb({ url: adminUrl(base, name), maxConnections: 1 })
      drop = async () => {
        await withAdmin(base, (admin) =>
          admin.unsafe(`drop database if exists "${name}" with (force)`),
        )
      }
    } else {
      empty = createDb({ pglite: new PGlite({ extensions: { vector } }) })
    }
    try {
      const error = await errorOf(listMyRooms(empty, { userId: alice.id }))
      expect(error).toBeInstanceOf(NotMigratedError)
      expect((error as Error).message).toMatch(/pnpm db:migrate/)
    } finally {
      await empty.close()
      await drop()
    }
  })

  it('a write on a read-only transaction (as on a standby) is a ReadOnlyError', async () => {
    const error = await errorOf(
      asUser(t.db, alice, async (tx) => {
        await tx.execute(sql`set transaction read only`)
        return sendMessage(tx, { userId: alice.id, roomId, content: 'on a standby' })
      }),
    )
    expect(error).toBeInstanceOf(ReadOnlyError)
    // rlsRead() is read-only by its own settings, with no replica too, and reads still work.
    const write = errorOf(
      t.db.rlsRead({ sub: alice.id }, (tx) =>
        sendMessage(tx, { userId: alice.id, roomId, content: 'read only' }),
      ),
    )
    expect(await write).toBeInstanceOf(ReadOnlyError)
    const read = await t.db.rlsRead({ sub: alice.id }, (tx) =>
      executeRows<{ ro: string }>(tx, sql`select current_setting('transaction_read_only') as ro`),
    )
    expect(read[0]?.ro).toBe('on')
  })

  it('a statement past statement_timeout, or a lock past lock_timeout, is a TimeoutError', async () => {
    const slow = errorOf(
      asUser(t.db, alice, async (tx) => {
        await tx.execute(sql`set local statement_timeout = 50`)
        return tx.execute(sql`select pg_sleep(0.5)`)
      }),
    )
    // PGlite (one process, no signals) enforces no timeout: the statement simply completes.
    if (lane === 'embedded') return expect(await slow).toBeUndefined()
    expect(await slow).toBeInstanceOf(TimeoutError)
    const locked = await errorOf(
      t.db.transaction(async (tx) => {
        await tx.execute(sql`lock table messages in access exclusive mode`)
        await t.db.transaction(async (other) => {
          await other.execute(sql`set local lock_timeout = 50`)
          await mapErrors(() => other.execute(sql`select count(*) from messages`))
        })
      }),
    )
    expect(locked).toBeInstanceOf(TimeoutError)
  })

  it('a CHECK the database refuses is a ValidationError whose issues name the field', async () => {
    const error = await errorOf(
      mapErrors(() =>
        t.db.insert(addresses).values({
          userId: alice.id,
          postalCode: ' ',
          country: 'JP',
          city: 'Kyoto',
          line1: '1',
        }),
      ),
    )
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([['postalCode']])
    // NOT NULL, from the column the error names.
    const missing = await errorOf(
      mapErrors(() =>
        t.db.execute(sql`insert into public.addresses (user_id, country, city, line1)
          values (${alice.id}, 'JP', 'Kyoto', '1')`),
      ),
    )
    expect(missing).toBeInstanceOf(ValidationError)
    expect((missing as ValidationError).issues.map((i) => i.path)).toEqual([['postalCode']])
  })

  it('a reference to a row that does not exist is a NotFoundError naming the field', async () => {
    const nobody = '00000000-0000-4000-8000-00000000dead'
    const raw = await errorOf(
      mapErrors(() => t.db.insert(userChats).values({ chatRoomId: roomId, userId: nobody })),
    )
    expect(raw).toBeInstanceOf(NotFoundError)
    expect((raw as NotFoundError).field).toBe('userId')
    expect((raw as Error).message).not.toMatch(/_fk\b/)
    const group = await errorOf(
      asUser(t.db, alice, (tx) =>
        createGroupRoom(tx, { userId: alice.id, name: 'G', memberIds: [nobody] }),
      ),
    )
    expect((group as NotFoundError).field).toBe('memberIds')
    const pair = await errorOf(
      asUser(t.db, alice, (tx) => openPrivateRoom(tx, { userId: alice.id, otherUserId: nobody })),
    )
    expect((pair as NotFoundError).field).toBe('otherUserId')
  })

  it('every ValidationError carries issue paths, the query functions own ones too', async () => {
    const self = await errorOf(
      asUser(t.db, alice, (tx) => openPrivateRoom(tx, { userId: alice.id, otherUserId: alice.id })),
    )
    expect(self).toBeInstanceOf(ValidationError)
    expect((self as ValidationError).issues.map((i) => i.path)).toEqual([['otherUserId']])
  })

  it('the driver error stays reachable as the cause, for logs', async () => {
    const error = await errorOf(
      mapErrors(() => t.db.insert(userChats).values({ chatRoomId: roomId, userId: alice.id })),
    )
    expect((error as Error).cause).toBeDefined()
  })
})
