// Hostile sign-ups, a few hundred per run (test:stress does 10,000): every kind of metadata in
// signups.ts, inserted into auth.users as Supabase Auth does. The auth hook must never fail a
// sign-up, and every user gets one valid, unique account. Server lane: also from 8 connections
// at once. Seeded: a failure names its index, and the same seed reproduces it.
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generalUserSelectSchema } from '../../src/dto.ts'
import { generalUsers } from '../../src/schema.ts'
import { createTestUser } from '../../src/testing/index.ts'
import { itOnServer, lane, openTestDatabase, type TestDatabase } from '../lanes.ts'
import {
  hostileSignups,
  namesNotKept,
  signUpConcurrently,
  signUpInOrder,
  signupKinds,
  signupState,
} from './signups.ts'

const COUNT = 360 // 40 of each kind
const CONNECTIONS = 8
const SEED = 8

/** Names of nothing but characters JavaScript trims: the display name must fall back. */
const blankNames = ['\u00a0', '\u2007', '\u202f', '\u1680', '\u3000', '\u2028', '\u00a0\u3000 \t']

/** The rows the app's own select DTO refuses to read (there must be none). */
async function rowsTheDtoRefuses() {
  const rows = await t.db.select().from(generalUsers)
  return rows.filter((row) => !generalUserSelectSchema.safeParse(row).success)
}

let t: TestDatabase
beforeAll(async () => {
  t = await openTestDatabase()
})
afterAll(() => t?.close())

describe(`hostile sign-ups (${lane})`, () => {
  it(`${COUNT} sign-ups one after another: 0 failed, each with one valid, unique account`, async () => {
    const signups = hostileSignups(COUNT, SEED)
    expect(new Set(signups.map((s) => s.kind))).toEqual(new Set(signupKinds))
    const run = await signUpInOrder(t.sql, signups)
    console.log(`${lane}: ${COUNT} hostile sign-ups in order, ${run.perSecond}/s`)
    expect(run.failures).toEqual([])
    expect(await signupState(t.sql)).toEqual({
      users: COUNT,
      withoutProfile: 0,
      duplicateAccountNames: 0,
      badAccountNames: [],
      badDisplayNames: [],
    })
    expect(await rowsTheDtoRefuses()).toEqual([])
    const kept = await namesNotKept(t.sql, signups, run)
    expect(kept.checked).toBeGreaterThan(COUNT / 5)
    expect(kept.notKept).toEqual([])
  })

  it.each(blankNames.map((name, i) => ({ name, i, code: name.codePointAt(0)?.toString(16) })))(
    'a name of only U+$code spaces falls back to the email name, as the DTO would read it',
    async ({ name, i }) => {
      const user = await createTestUser(t.db, {
        email: `blank${i}@example.com`,
        metadata: { name, full_name: name, display_name: name, user_name: name },
      })
      const [row] = await t.db.select().from(generalUsers).where(eq(generalUsers.id, user.id))
      expect(row).toMatchObject({ displayName: `blank${i}`, accountName: `blank${i}` })
      expect(generalUserSelectSchema.safeParse(row).error?.issues ?? []).toEqual([])
    },
  )

  itOnServer(
    `${COUNT} more from ${CONNECTIONS} connections at once, colliding on the same names`,
    async () => {
      const signups = hostileSignups(COUNT, SEED + 1)
      const run = await signUpConcurrently(t.url as string, signups, CONNECTIONS)
      console.log(
        `${lane}: ${COUNT} hostile sign-ups from ${CONNECTIONS} connections, ${run.perSecond}/s`,
      )
      expect(run.failures).toEqual([])
      expect(await signupState(t.sql)).toEqual({
        users: 2 * COUNT + blankNames.length,
        withoutProfile: 0,
        duplicateAccountNames: 0,
        badAccountNames: [],
        badDisplayNames: [],
      })
      expect(await rowsTheDtoRefuses()).toEqual([])
      expect((await namesNotKept(t.sql, signups, run)).notKept).toEqual([])
    },
  )
})
