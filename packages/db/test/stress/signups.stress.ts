// Hostile sign-ups at size (STRESS_SIGNUPS, 10,000 by default), on both lanes: one after another,
// and on the server also from 8 connections at once. 0 failed inserts, every user one
// general_users row, no duplicate account name, every account name valid and readable by the
// app's DTO. The kinds of metadata: test/reliability/signups.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generalUserSelectSchema } from '../../src/dto.ts'
import { generalUsers } from '../../src/schema.ts'
import { itOnServer, lane, openTestDatabase, type TestDatabase } from '../lanes.ts'
import {
  hostileSignups,
  namesNotKept,
  signUpConcurrently,
  signUpInOrder,
  signupState,
} from '../reliability/signups.ts'
import { stress } from './settings.ts'

const CONNECTIONS = 8
const N = stress.STRESS_SIGNUPS

let t: TestDatabase
beforeAll(async () => {
  t = await openTestDatabase()
})
afterAll(() => t?.close())

const healthy = (users: number) => ({
  users,
  withoutProfile: 0,
  duplicateAccountNames: 0,
  badAccountNames: [],
  badDisplayNames: [],
})

async function rowsTheDtoRefuses() {
  const rows = await t.db.select().from(generalUsers)
  return rows.filter((row) => !generalUserSelectSchema.safeParse(row).success).length
}

describe(`${N} hostile sign-ups (${lane}, seed ${stress.STRESS_SEED})`, () => {
  it(`one after another: 0 failed, every user a valid unique account`, async () => {
    const signups = hostileSignups(N, stress.STRESS_SEED)
    const run = await signUpInOrder(t.sql, signups)
    console.log(
      `${lane}: ${N} hostile sign-ups one after another in ${run.ms} ms: ${run.perSecond} sign-ups/s`,
    )
    expect(run.failures.slice(0, 5)).toEqual([])
    expect(await signupState(t.sql)).toEqual(healthy(N))
    expect(await rowsTheDtoRefuses()).toBe(0)
    expect((await namesNotKept(t.sql, signups, run)).notKept.slice(0, 5)).toEqual([])
  })

  itOnServer(
    `from ${CONNECTIONS} connections at once: the same, with the same names colliding`,
    async () => {
      const signups = hostileSignups(N, stress.STRESS_SEED + 1)
      const run = await signUpConcurrently(t.url as string, signups, CONNECTIONS)
      console.log(
        `${lane}: ${N} hostile sign-ups from ${CONNECTIONS} connections in ${run.ms} ms: ${run.perSecond} sign-ups/s`,
      )
      expect(run.failures.slice(0, 5)).toEqual([])
      expect(await signupState(t.sql)).toEqual(healthy(2 * N))
      expect(await rowsTheDtoRefuses()).toBe(0)
      expect((await namesNotKept(t.sql, signups, run)).notKept.slice(0, 5)).toEqual([])
    },
  )
})
