// The server lane's client (createDb) across a PostgreSQL restart, on a private throwaway
// cluster (never the shared one, which other test files use at the same time): idle
// connections are replaced, statements and transactions in flight fail at once with a
// connection error (no hang, no crash, nothing committed half-way), the next queries succeed,
// and no connection is left behind. In test/server: the embedded lane has no server to restart.
import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb, type Db } from '../../src/db/client.ts'
import { migrate } from '../../src/migrations/migrate.ts'
import { openTarget } from '../../src/migrations/target.ts'
import { sendMessage } from '../../src/queries.ts'
import { chatRooms, userChats } from '../../src/schema.ts'
import { asUser, createTestUser, type TestUser } from '../../src/testing/index.ts'
import { lane } from '../lanes.ts'
import { skipWithout } from '../reliability/prerequisites.ts'
import {
  type PrivatePostgres,
  privatePostgresUnsupported,
  startPrivatePostgres,
} from '../reliability/private-postgres.ts'

/**
 * Work that is under way when the server goes away; `state` is its session's state in
 * pg_stat_activity at that moment.
 */
type InFlight = {
  case: string
  state: 'active' | 'idle in transaction'
  run: (db: Db) => Promise<unknown>
}
const inFlight: InFlight[] = [
  { case: 'a statement', state: 'active', run: (db) => db.execute(sql`select pg_sleep(60)`) },
  {
    case: 'an rls() transaction',
    state: 'active',
    run: (db) =>
      asUser(db, alice, async (tx) => {
        await sendMessage(tx, { userId: alice.id, roomId, content: 'before' })
        await tx.execute(sql`select pg_sleep(60)`)
      }),
  },
  {
    case: 'a nested transaction (savepoint)',
    state: 'active',
    run: (db) =>
      db.transaction(async (tx) => {
        await tx.execute(sql`select 1`)
        await tx.transaction((inner) => inner.execute(sql`select pg_sleep(60)`))
      }),
  },
  {
    case: 'a transaction whose callback swallows the error and commits',
    state: 'active',
    run: (db) =>
      db.transaction(async (tx) => {
        await sendMessage(tx, { userId: alice.id, roomId, content: 'swallowed' })
        await tx.execute(sql`select pg_sleep(60)`).catch(() => {})
        await sendMessage(tx, { userId: alice.id, roomId, content: 'after swallow' })
      }),
  },
  {
    case: 'a transaction idle between two statements',
    state: 'idle in transaction',
    run: (db) =>
      db.transaction(async (tx) => {
        await sendMessage(tx, { userId: alice.id, roomId, content: 'idle before' })
        await new Promise((wait) => setTimeout(wait, 2_000))
        await sendMessage(tx, { userId: alice.id, roomId, content: 'idle after' })
      }),
  },
]

const POOL = 4
const unsupported = skipWithout('server restart tests', privatePostgresUnsupported())

let pg: PrivatePostgres
let db: Db
let alice: TestUser
let roomId: string

/** Rejects when `work` has not settled after `ms`: a hang fails with a message, not a timeout. */
function within<T>(ms: number, work: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    work,
    new Promise<never>((_, fail) =>
      setTimeout(() => fail(new Error(`${what}: still pending after ${ms} ms`)), ms),
    ),
  ])
}

/** The error's connection code, through Drizzle's wrapper. */
const codeOf = (error: unknown): string | undefined => {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') return code
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

async function admin<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const client = postgres(pg.url(), { max: 1, onnotice: () => {} })
  try {
    return await fn(client)
  } finally {
    await client.end({ timeout: 5 })
  }
}

const appSessions = () =>
  admin(
    (sql) => sql<{ pid: number; state: string }[]>`
      select pid, state from pg_stat_activity where application_name = '@app/db'`,
  )

/** Fills the pool: POOL statements at once, each on its own connection. */
const warm = () =>
  Promise.all(Array.from({ length: POOL }, () => db.execute(sql`select pg_sleep(0.05)`)))

/** Waits until a session of the app is in `state` (active: sleeping in pg_sleep(60)). */
async function untilSession(state: InFlight['state']) {
  for (let i = 0; i < 100; i++) {
    const rows = await admin(
      (sql) => sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where application_name = '@app/db' and state = ${state}
          and (state <> 'active' or query like '%pg_sleep(60)%')`,
    )
    if ((rows[0]?.n ?? 0) > 0) return
    await new Promise((wait) => setTimeout(wait, 20))
  }
  throw new Error(`no session of the app reached state ${state}`)
}

describe.skipIf(unsupported)(`createDb() across a server restart (${lane})`, () => {
  beforeAll(async () => {
    pg = await startPrivatePostgres()
    const target = await openTarget({ url: pg.url() })
    try {
      await migrate(target.runner)
    } finally {
      await target.close()
    }
    db = createDb({ url: pg.url(), maxConnections: POOL })
    alice = await createTestUser(db, { metadata: { account_name: 'alice' } })
    const [room] = await db
      .insert(chatRooms)
      .values({ type: 'GROUP', name: 'Ops', createdBy: alice.id })
      .returning({ id: chatRooms.id })
    roomId = room?.id as string
    await db.insert(userChats).values({ chatRoomId: roomId, userId: alice.id })
  }, 120_000)

  afterAll(async () => {
    await db?.close().catch(() => {})
    await pg?.remove()
  })

  it('idle connections: the restart replaces them, and every query after it succeeds', async () => {
    await warm()
    const before = new Set((await appSessions()).map((s) => s.pid))
    expect(before.size).toBe(POOL)
    await pg.restart()
    const results = await within(
      15_000,
      Promise.all(
        Array.from({ length: 2 * POOL }, () =>
          db.execute(sql`select pg_backend_pid() as pid, pg_sleep(0.02)`),
        ),
      ),
      'queries after the restart',
    )
    expect(results).toHaveLength(2 * POOL)
    const after = (await appSessions()).map((s) => s.pid)
    expect(after.filter((pid) => before.has(pid))).toEqual([])
    const sent = await asUser(db, alice, (tx) =>
      sendMessage(tx, { userId: alice.id, roomId, content: 'after restart' }),
    )
    expect(sent.content).toBe('after restart')
  })

  it.each(inFlight)(
    'in flight: $case fails within seconds with a connection error; nothing of it commits; the next queries succeed',
    async ({ run, state }) => {
      await warm()
      const messagesBefore = await admin((sql) => sql`select count(*)::int as n from messages`)
      const outcome = run(db).then(
        () => 'resolved',
        (error: unknown) => error,
      )
      await untilSession(state)
      const restarted = performance.now()
      await pg.restart()
      const error = await within(10_000, outcome, 'the in-flight work')
      expect(performance.now() - restarted).toBeLessThan(10_000)
      expect(error).toBeInstanceOf(Error)
      expect(codeOf(error)).toMatch(/^(CONNECTION_CLOSED|ECONNRESET|57P01)$/)
      expect(String((error as Error).message)).not.toBe('')
      // A transaction is all or nothing, also when its connection dies under it.
      expect(await admin((sql) => sql`select count(*)::int as n from messages`)).toEqual(
        messagesBefore,
      )
      // Every connection of the pool, including the one that died mid-query, works again.
      await within(
        15_000,
        Promise.all(
          Array.from({ length: 2 * POOL }, (_, i) =>
            i % 2
              ? db.execute(sql`select 1`)
              : asUser(db, alice, (tx) => tx.execute(sql`select auth.uid()`)),
          ),
        ),
        'queries after the restart',
      )
      if (state === 'idle in transaction') {
        // Its callback wakes up after the restart: the statement it sends then is refused,
        // not run on a new connection outside the transaction.
        await new Promise((wait) => setTimeout(wait, 2_100))
        expect(await admin((sql) => sql`select count(*)::int as n from messages`)).toEqual(
          messagesBefore,
        )
      }
    },
  )

  it('while the server is down a query fails fast (no hang); once it is back, queries succeed', async () => {
    await warm()
    await pg.stop('fast')
    try {
      const started = performance.now()
      const error = await within(
        12_000,
        db.execute(sql`select 1`).then(
          () => undefined,
          (e: unknown) => e,
        ),
        'a query while the server is down',
      )
      expect(codeOf(error)).toMatch(/^(ECONNREFUSED|CONNECTION_CLOSED|CONNECT_TIMEOUT)$/)
      expect(performance.now() - started).toBeLessThan(11_000)
    } finally {
      await pg.start()
    }
    await within(15_000, warm(), 'queries once the server is back')
  })

  it('leaves no connection behind: at most the pool, none busy; close() ends them promptly', async () => {
    const sessions = await appSessions()
    expect(sessions.length).toBeLessThanOrEqual(POOL)
    expect(sessions.filter((s) => s.state !== 'idle')).toEqual([])
    const closing = performance.now()
    await within(10_000, db.close(), 'close()')
    expect(performance.now() - closing).toBeLessThan(7_000)
    expect(await appSessions()).toEqual([])
  })
})
