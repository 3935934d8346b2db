import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lane, openTestDatabase, type TestDatabase } from './lanes.ts'

let t: TestDatabase
beforeAll(async () => {
  t = await openTestDatabase()
})
afterAll(() => t?.close())

describe(`generate_cuid() (${lane})`, () => {
  it('makes 100k ids in one statement: all well-formed, none repeated', async () => {
    const [row] = await t.sql.query<{ total: number; distinct: number; malformed: number }>(`
      select count(*)::int as total, count(distinct id)::int as distinct,
             count(*) filter (where id !~ '^[a-z][a-z0-9]{23}$')::int as malformed
      from (select public.generate_cuid() as id from generate_series(1, 100000)) s`)
    expect(row).toEqual({ total: 100_000, distinct: 100_000, malformed: 0 })
  })
})
