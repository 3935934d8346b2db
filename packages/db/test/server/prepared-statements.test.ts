// createDb's `prepare` setting reaches Drizzle's queries (Drizzle asks postgres.js for
// unprepared ones, which cost a second round trip), and what a running app sees when a
// migration changes the type of a column its prepared statements return.
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb, type DatabaseOrTransaction, type Db, executeRows } from '../../src/db/client.ts'
import { listMessages } from '../../src/domains/chat/queries.ts'
import { NotFoundError } from '../../src/errors/index.ts'
import { openTestDatabase, type TestDatabase } from '../lanes.ts'

let t: TestDatabase
beforeAll(async () => {
  t = await openTestDatabase()
})
afterAll(() => t?.close())

const room = 'ckprepared00000000000000'
/** A signed-in user in no room: listMessages runs inside rls() and sees nothing. */
const stranger = '00000000-0000-4000-8000-0000000000aa'
/** The room does not exist: the statements are prepared all the same, then NotFoundError. */
const list = (db: DatabaseOrTransaction) =>
  listMessages(db, { roomId: room, limit: 5 }).catch((error: unknown) => {
    if (!(error instanceof NotFoundError)) throw error
  })

/** Prepared statements of the one connection a pool of size 1 holds. */
async function preparedOnConnection(db: Db, like: string): Promise<number> {
  const [row] = await executeRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from pg_prepared_statements where statement like ${like}`,
  )
  return row?.n ?? -1
}

async function withDb<T>(options: { prepare?: boolean }, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = createDb({ url: t.url, maxConnections: 1, ...options })
  try {
    return await fn(db)
  } finally {
    await db.close()
  }
}

describe('prepared statements (server)', () => {
  it('Drizzle queries are prepared once per connection by default', async () => {
    await withDb({}, async (db) => {
      for (let i = 0; i < 3; i++) await list(db)
      await db.rls({ sub: stranger }, (tx) => list(tx))
      // One statement for the query (also inside rls()), one for rls()'s claims.
      expect(await preparedOnConnection(db, '%from "messages"%')).toBe(1)
      expect(await preparedOnConnection(db, '%set_config($1, $2, true)%')).toBe(1)
    })
  })

  it('prepare: false (the default on the transaction pooler, port 6543) prepares nothing', async () => {
    await withDb({ prepare: false }, async (db) => {
      for (let i = 0; i < 3; i++) await list(db)
      await db.rls({ sub: stranger }, (tx) => list(tx))
      expect(await preparedOnConnection(db, '%')).toBe(0)
    })
  })

  it('a column type changed under a running app: queries outside a transaction carry on', async () => {
    await t.sql.query('create table public.prepared_probe (id int primary key, v int)')
    await t.sql.query('insert into public.prepared_probe values (1, 42)')
    await withDb({}, async (db) => {
      const read = (tx: DatabaseOrTransaction) =>
        executeRows<{ v: unknown }>(tx, sql`select v from public.prepared_probe where id = ${1}`)
      expect(await read(db)).toEqual([{ v: 42 }])
      await t.sql.query('alter table public.prepared_probe alter column v type text')
      // postgres.js re-prepares on "cached plan must not change result type" and runs it again.
      expect(await read(db)).toEqual([{ v: '42' }])
      await t.sql.query(
        'alter table public.prepared_probe alter column v type bigint using v::bigint',
      )
      // Inside a transaction that retry cannot happen (the error aborted it): the transaction
      // fails once on that connection, with Postgres's own message, and the next one works.
      await expect(db.transaction((tx) => read(tx))).rejects.toMatchObject({
        cause: { message: 'cached plan must not change result type' },
      })
      expect(await db.transaction((tx) => read(tx))).toEqual([{ v: '42' }])
    })
  })
})
