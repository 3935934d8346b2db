// Assertions on what Postgres rejects, the same on both lanes.
import { expect } from 'vitest'
import { type PgErrorInfo, pgErrorInfo } from '../src/errors/pg-error.ts'

/** Awaits `work`, expects it to fail with a Postgres error, and returns that error. */
export async function pgRejects(work: Promise<unknown>): Promise<PgErrorInfo> {
  let caught: unknown
  try {
    await work
  } catch (error) {
    caught = error
  }
  expect(caught, 'expected Postgres to reject this').toBeDefined()
  const info = pgErrorInfo(caught)
  expect(info, `not a Postgres error: ${String(caught)}`).toBeDefined()
  return info as PgErrorInfo
}
