// createTestDb({ url }): a fresh migrated database on a server for an app's own tests, dropped
// by close(); refused for a host that is not this machine unless allowed.

import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { executeRows } from '../../src/db/client.ts'
import { readEnv } from '../../src/db/env.ts'
import { ConfigError } from '../../src/errors/index.ts'
import { listMyRooms } from '../../src/queries.ts'
import { asUser, createTestDb, createTestUser } from '../../src/testing/index.ts'
import { withAdmin } from '../server-admin.ts'

const base = readEnv().TEST_DATABASE_URL as string

describe('createTestDb on the server lane', () => {
  it('makes a migrated database, usable at once, and drops it on close', async () => {
    const db = await createTestDb({ url: base })
    const [{ name } = { name: '' }] = await executeRows<{ name: string }>(
      db,
      sql`select current_database() as name`,
    )
    expect(name).toMatch(/^app_db_test_/)
    const user = await createTestUser(db)
    expect(await asUser(db, user, (tx) => listMyRooms(tx, { userId: user.id }))).toEqual([])
    await db.close()
    const left = await withAdmin(
      base,
      (admin) =>
        admin<{ n: number }[]>`select count(*)::int as n from pg_database where datname = ${name}`,
    )
    expect(left[0]?.n).toBe(0)
  })

  it('refuses a server that is not this machine unless told it is a test server', async () => {
    await expect(
      createTestDb({ url: 'postgres://postgres@db.example.com:5432/postgres' }),
    ).rejects.toThrow(ConfigError)
  })
})
