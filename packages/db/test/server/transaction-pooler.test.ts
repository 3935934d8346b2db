// The app behind a real PgBouncer in transaction mode, on a port that is not 6543 (so only the
// setting says what it is): three server connections under many app connections. rls() keeps
// every caller's identity and rows to itself, timeouts hold without startup parameters,
// session statementNamed are refused, and db:migrate refuses the pooler instead of hanging.
import { type SQL, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb, type Db, executeRows } from '../../src/db/client.ts'
import { readEnv } from '../../src/db/env.ts'
import { statementNamed } from '../../src/db/statement-cache.ts'
import { ConfigError, ConnectionError, mapErrors, TimeoutError } from '../../src/errors/index.ts'
import { createGroupRoom, listMessages, sendMessage } from '../../src/queries.ts'
import { asUser, createTestUser, type TestUser } from '../../src/testing/index.ts'
import { openTestDatabase, type TestDatabase } from '../lanes.ts'
import { skipWithout } from '../reliability/prerequisites.ts'
import {
  type PrivatePgbouncer,
  pgbouncerUnsupported,
  startPgbouncer,
} from '../reliability/private-pgbouncer.ts'
import { runScript } from '../run-script.ts'

const skip = skipWithout('transaction pooler tests', pgbouncerUnsupported())

let t: TestDatabase
let bouncer: PrivatePgbouncer
let pooledUrl: string
let db: Db
const users: TestUser[] = []
const rooms: string[] = []

beforeAll(async () => {
  if (skip) return
  t = await openTestDatabase()
  bouncer = await startPgbouncer({ server: readEnv().TEST_DATABASE_URL as string, poolSize: 3 })
  pooledUrl = bouncer.url(new URL(t.url as string).pathname.slice(1))
  db = createDb({ url: pooledUrl, transactionPooler: true, maxConnections: 40 })
  for (let i = 0; i < 8; i++) users.push(await createTestUser(t.db))
  // Each user alone in a room of their own, with one message: any leak shows as a foreign row.
  for (const user of users) {
    const room = await asUser(t.db, user, (tx) =>
      createGroupRoom(tx, { userId: user.id, name: `room of ${user.accountName}`, memberIds: [] }),
    )
    await asUser(t.db, user, (tx) =>
      sendMessage(tx, { userId: user.id, roomId: room.id, content: `by ${user.id}` }),
    )
    rooms.push(room.id)
  }
}, 120_000)

/**
 * `query` asked on every one of the pooler's 3 server connections: three at once, each kept
 * busy by a sleep, so no two answers come from the same connection (checked by backend pid).
 */
async function onEveryServerConnection<T extends Record<string, unknown>>(query: SQL) {
  const answers = await Promise.all(
    Array.from({ length: 3 }, () =>
      executeRows<T & { pid: number }>(
        db,
        sql`select pg_backend_pid() as pid, q.* from (${query}) q, pg_sleep(0.3)`,
      ),
    ),
  )
  const rows = answers.map((a) => a[0] as T & { pid: number })
  expect(new Set(rows.map((r) => r.pid)).size).toBe(3)
  return rows.map(({ pid: _, ...rest }) => rest)
}

afterAll(async () => {
  await db?.close()
  await bouncer?.remove()
  await t?.close()
})

/** Fails a test that hangs, which is what a pooler does to a prepared statement. */
const bounded = <T>(work: Promise<T>, ms = 20_000) =>
  Promise.race([
    work,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`hung ${ms} ms`)), ms)),
  ])

describe.skipIf(skip)('behind a transaction pooler (PgBouncer, pool_mode=transaction)', () => {
  it('concurrent rls() calls each see their own identity and rows, throwing ones too', async () => {
    const calls = Array.from({ length: 600 }, async (_, i) => {
      const n = i % users.length
      const user = users[n] as TestUser
      if (i % 7 === 0) {
        // Service-role and plain statements interleaved on the same pooled connections.
        const [row] = await executeRows<{ who: string }>(db, sql`select current_user as who`)
        expect(row?.who).not.toBe('authenticated')
        return
      }
      const work = asUser(db, user, async (tx) => {
        const [me] = await executeRows<{ uid: string; role: string }>(
          tx,
          sql`select auth.uid()::text as uid, current_user as role`,
        )
        expect(me).toEqual({ uid: user.id, role: 'authenticated' })
        const page = await listMessages(tx, { roomId: rooms[n] as string, limit: 10 })
        expect(page.messages.map((m) => m.content)).toEqual([`by ${user.id}`])
        if (i % 5 === 0) throw new Error(`thrown by call ${i}`)
        return page.messages.length
      })
      if (i % 5 === 0) await expect(work).rejects.toThrow(`thrown by call ${i}`)
      else expect(await work).toBe(1)
    })
    await bounded(Promise.all(calls), 60_000)
    // Nothing of a caller stayed on the pooled server connections.
    const after = await onEveryServerConnection<{ role: string; claims: string | null }>(
      sql`select current_user as role, nullif(current_setting('request.jwt.claims', true), '') as claims`,
    )
    const clean = { role: new URL(pooledUrl).username, claims: null }
    expect(after).toEqual([clean, clean, clean])
  }, 90_000)

  it('?pgbouncer=true in the URL says the same, and is not sent to the server', async () => {
    const viaUrl = createDb({ url: `${pooledUrl}?pgbouncer=true`, maxConnections: 4 })
    try {
      const pages = await bounded(
        Promise.all(
          users.map((user, n) =>
            asUser(viaUrl, user, (tx) => listMessages(tx, { roomId: rooms[n] as string })),
          ),
        ),
      )
      expect(pages.map((p) => p.messages.length)).toEqual(users.map(() => 1))
      const [prepared] = await executeRows<{ n: number }>(
        viaUrl,
        sql`select count(*)::int as n from pg_prepared_statements`,
      )
      expect(prepared?.n).toBe(0)
    } finally {
      await viaUrl.close()
    }
  })

  it('statements built once run behind it unprepared: on the pool, in rls(), in a transaction', async () => {
    const page = statementNamed('chat.newestMessages')
    const send = statementNamed('chat.insertMessage')
    const user = users[2] as TestUser
    const room = rooms[2] as string
    const runs = await bounded(
      Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          i % 3 === 0
            ? listMessages(db, { roomId: room, limit: 5 })
            : i % 3 === 1
              ? asUser(db, user, (tx) => listMessages(tx, { roomId: room, limit: 5 }))
              : db.transaction((tx) => listMessages(tx, { roomId: room, limit: 5 })),
        ),
      ),
    )
    expect(runs.every((p) => p.messages[0]?.content === `by ${user.id}`)).toBe(true)
    const sent = await bounded(
      asUser(db, user, (tx) =>
        sendMessage(tx, { userId: user.id, roomId: room, content: 'again' }),
      ),
    )
    expect(sent.content).toBe('again')
    expect(page?.builds).toBe(1)
    expect(send?.builds).toBe(1)
    // Built once on the client, never prepared on the server behind the pooler.
    const [prepared] = await executeRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from pg_prepared_statements`,
    )
    expect(prepared?.n).toBe(0)
  })

  it('statementTimeoutMs holds per transaction and per statement, never as a startup parameter', async () => {
    const timed = createDb({ url: pooledUrl, transactionPooler: true, statementTimeoutMs: 300 })
    try {
      const user = users[0] as TestUser
      expect(await bounded(executeRows(timed, sql`select 1 as one`))).toEqual([{ one: 1 }])
      await expect(
        bounded(asUser(timed, user, (tx) => tx.execute(sql`select pg_sleep(3)`))),
      ).rejects.toBeInstanceOf(TimeoutError)
      await expect(bounded(timed.execute(sql`select pg_sleep(3)`))).rejects.toMatchObject({
        cause: { code: '57014' },
      })
      await expect(
        bounded(timed.transaction((tx) => tx.execute(sql`select pg_sleep(3)`))),
      ).rejects.toMatchObject({ cause: { code: '57014' } })
      // The timeout was the transaction's own: the pooled connection's setting is the server's.
      const settings = await onEveryServerConnection<{ v: string }>(
        sql`select current_setting('statement_timeout') as v`,
      )
      expect(settings).toEqual([{ v: '0' }, { v: '0' }, { v: '0' }])
    } finally {
      await timed.close()
    }
  })

  it('a statement that needs a session is refused in one line, before it reaches the pooler', async () => {
    for (const statement of [
      sql`set search_path = public`,
      sql`listen room_changes`,
      sql`select pg_advisory_lock(1)`,
      sql`create temp table scratch (id int)`,
    ]) {
      // Raw db.execute: Drizzle's error, the refusal as its cause; typed through mapErrors.
      const raw = await db.execute(statement).catch((e: unknown) => e)
      expect((raw as Error).cause).toBeInstanceOf(ConfigError)
      const error = await mapErrors(() => db.execute(statement)).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConfigError)
      expect(String((error as Error).message)).toMatch(/needs a session.*transaction pooler/)
      expect((error as Error).message).not.toContain('\n')
    }
    // Transaction-scoped forms are what it points to, and they work.
    await db.transaction(async (tx) => {
      await tx.execute(sql`set local search_path = public`)
      await tx.execute(sql`select pg_advisory_xact_lock(1)`)
    })
    expect(() => createDb({ url: pooledUrl, transactionPooler: true, prepare: true })).toThrow(
      /transaction pooler, where prepared statements cannot work/,
    )
  })

  it('an rls() transaction left idle is ended by the server, and the pool goes on', async () => {
    const idle = createDb({
      url: pooledUrl,
      transactionPooler: true,
      idleInTransactionTimeoutMs: 300,
    })
    try {
      const user = users[1] as TestUser
      await expect(
        bounded(
          asUser(idle, user, async (tx) => {
            await tx.execute(sql`select 1`)
            await new Promise((done) => setTimeout(done, 1_500))
            await tx.execute(sql`select 2`)
          }),
        ),
      ).rejects.toBeInstanceOf(ConnectionError) // the server ended the idle transaction's session
      const page = await bounded(
        asUser(idle, user, (tx) => listMessages(tx, { roomId: rooms[1] as string })),
      )
      expect(page.messages).toHaveLength(1)
    } finally {
      await idle.close()
    }
  })

  it('db:migrate refuses the pooler, declared or not, and does not hang', async () => {
    for (const url of [pooledUrl, `${pooledUrl}?pgbouncer=true`]) {
      const result = await runScript('migrate', [], { DATABASE_URL: url }, 30_000)
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/^error: db:migrate needs a session of its own/)
      expect(result.stderr).toMatch(/direct connection or the session pooler/)
    }
    const declared = await runScript('migrate', [], {
      DATABASE_URL: pooledUrl,
      DB_TRANSACTION_POOLER: 'true',
    })
    expect(declared.code).toBe(1)
    expect(declared.stderr).toMatch(/DB_TRANSACTION_POOLER=true/)
  }, 90_000)
})

describe.skipIf(skip)('behind a session pooler', () => {
  it('db:migrate runs: each connection keeps its server session', async () => {
    const session = await startPgbouncer({
      server: readEnv().TEST_DATABASE_URL as string,
      mode: 'session',
    })
    try {
      const url = session.url(new URL(t.url as string).pathname.slice(1))
      const result = await runScript('migrate', [], { DATABASE_URL: url }, 60_000)
      expect(result.stderr).toBe('')
      expect(result.stdout).toMatch(/migrations: up to date/)
    } finally {
      await session.remove()
    }
  }, 90_000)
})
