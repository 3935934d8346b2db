// rls() sends its claims statement pipelined with the callback's first statement on the
// server lane. What must hold: the callback never runs a statement as anyone but the user,
// also when the claims statement fails, and nothing of it runs after the transaction.
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb, executeRows } from '../../src/db/client.ts'
import { openTestDatabase, type TestDatabase } from '../lanes.ts'

let t: TestDatabase
beforeAll(async () => {
  t = await openTestDatabase()
  await t.sql.exec(`
    create table public.rls_claims_probe (who text, uid uuid);
    alter table public.rls_claims_probe enable row level security;
    create policy "anyone may write the probe" on public.rls_claims_probe for insert with check (true);
    grant insert on public.rls_claims_probe to anon, authenticated;`)
})
afterAll(() => t?.close())

const userId = '0b7f3c1e-5d2a-4f6b-8c9d-1e2f3a4b5c6d'
const probeRows = async () =>
  t.sql.query<{ who: string; uid: string | null }>('select who, uid from public.rls_claims_probe')

describe('rls() claims (server)', () => {
  it("the callback's first statement, sent at once, already runs as the user", async () => {
    await t.sql.query('truncate public.rls_claims_probe')
    await t.db.rls({ sub: userId }, async (tx) => {
      await tx.execute(sql`insert into public.rls_claims_probe values (current_user, auth.uid())`)
    })
    expect(await probeRows()).toEqual([{ who: 'authenticated', uid: userId }])
  })

  it('a failing claims statement: the callback writes nothing and the claims error is thrown', async () => {
    // A login role that may not become `authenticated`: set_config('role', …) fails.
    await t.sql.exec(`
      drop role if exists rls_claims_outsider;
      create role rls_claims_outsider login;
      grant usage on schema public, auth to rls_claims_outsider;
      grant insert on public.rls_claims_probe to rls_claims_outsider;
      alter table public.rls_claims_probe disable row level security;`)
    await t.sql.query('truncate public.rls_claims_probe')
    const url = new URL(t.url as string)
    url.username = 'rls_claims_outsider'
    const outsider = createDb({ url: url.toString(), maxConnections: 1 })
    try {
      let reached = false
      await expect(
        outsider.rls({ sub: userId }, async (tx) => {
          reached = true
          await tx.execute(sql`insert into public.rls_claims_probe values (current_user, null)`)
        }),
      ).rejects.toThrow(/permission denied to set role "authenticated"/)
      // The callback ran (pipelined), but its statement hit an aborted transaction.
      expect(reached).toBe(true)
      expect(await probeRows()).toEqual([])
      // The connection is usable afterwards and is the outsider again, not `authenticated`.
      expect(await executeRows(outsider, sql`select current_user as u`)).toEqual([
        { u: 'rls_claims_outsider' },
      ])
    } finally {
      await outsider.close()
      await t.sql.exec(`
        alter table public.rls_claims_probe enable row level security;
        drop owned by rls_claims_outsider; drop role rls_claims_outsider;`)
    }
  })

  it('a callback that throws before any statement still rolls back cleanly', async () => {
    await expect(
      t.db.rls({ sub: userId }, () => {
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await executeRows(t.db, sql`select current_user = session_user as back`)).toEqual([
      { back: true },
    ])
  })
})
