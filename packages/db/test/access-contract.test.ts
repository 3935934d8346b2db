// Each table's access contract (declared beside its policies, src/schema-kit/access.ts) against
// the catalog, on both lanes: the API roles hold exactly the privileges the policies use, UPDATE
// only on the declared columns, and every server-owned field is the server's when an API role
// inserts. A table without a contract, or a grant nobody declared, fails here; the message
// carries the SQL that would make the catalog match.

import { getTableName, is, sql } from 'drizzle-orm'
import { PgTable } from 'drizzle-orm/pg-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { executeRows } from '../src/db/client.ts'
import { readScript, supabaseEnvFile } from '../src/migrations/files.ts'
import * as schema from '../src/schema.ts'
import {
  type AccessContract,
  accessGrantsSql,
  expectedGrants,
  serverOwnedArguments,
  serverOwnedTriggersSql,
  sqlColumnName,
} from '../src/schema-kit/access.ts'
import { asUser, createTestUser } from '../src/testing/index.ts'
import { lane, openTestDatabase, type TestDatabase } from './lanes.ts'

const isContract = (v: unknown): v is AccessContract =>
  typeof v === 'object' && v !== null && 'serverOwned' in v && 'updatable' in v && 'table' in v
const contracts = (Object.values(schema) as unknown[]).filter(isContract)
const tableNames = (Object.values(schema) as unknown[])
  .filter((v): v is PgTable => is(v, PgTable))
  .map((table) => getTableName(table))

/** A grant as the catalog has it: whole-table, or the exact list of columns. */
const catalogGrantsSql = `
  with api(role) as (values ('anon'), ('authenticated')),
  privs(privilege) as (values ('SELECT'), ('INSERT'), ('UPDATE'), ('DELETE'))
  select c.relname as table, api.role, lower(privs.privilege) as privilege,
    case when has_table_privilege(api.role, c.oid, privs.privilege) then null
      else (select array_agg(a.attname::text order by a.attname::text) from pg_attribute a
            where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
              and has_column_privilege(api.role, c.oid, a.attnum, privs.privilege)) end as columns,
    has_table_privilege(api.role, c.oid, privs.privilege) as whole
  from pg_class c cross join api cross join privs
  where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
    and (has_table_privilege(api.role, c.oid, privs.privilege)
      -- DELETE has no column form
      or (privs.privilege <> 'DELETE' and has_any_column_privilege(api.role, c.oid, privs.privilege)))
  order by 1, 2, 3`

type CatalogGrant = {
  table: string
  role: string
  privilege: string
  columns: string[] | null
  whole: boolean
}

let t: TestDatabase
beforeAll(async () => {
  t = await openTestDatabase()
})
afterAll(() => t?.close())

describe(`access contracts (${lane})`, () => {
  it('every table has exactly one contract, in the schema beside its policies', () => {
    expect(contracts.map((c) => getTableName(c.table)).sort()).toEqual([...tableNames].sort())
  })

  it('the catalog grants the API roles exactly what the contracts and policies say', async () => {
    const catalog = await t.sql.query<CatalogGrant>(catalogGrantsSql)
    const got = catalog.map(
      (g) => `${g.table} ${g.role} ${g.privilege} ${g.whole ? '*' : g.columns?.join(',')}`,
    )
    const want = contracts
      .flatMap((c) =>
        expectedGrants(c).map(
          (g) => `${getTableName(c.table)} ${g.role} ${g.privilege} ${g.columns?.join(',') ?? '*'}`,
        ),
      )
      .sort()
    expect(got.sort(), `make the catalog match with:\n${accessGrantsSql(contracts)}`).toEqual(want)
  })

  it('no sequence of the schema is usable by an API role', async () => {
    const rows = await t.sql.query<{ name: string }>(`
      select c.oid::regclass::text as name from pg_class c
      where c.relnamespace = 'public'::regnamespace and c.relkind = 'S'
        and (has_sequence_privilege('anon', c.oid, 'usage,select,update')
          or has_sequence_privilege('authenticated', c.oid, 'usage,select,update'))`)
    expect(rows).toEqual([])
  })

  it('every server-owned field has its trigger, or is an identity column generated always', async () => {
    const triggers = await t.sql.query<{ table: string; def: string }>(`
      select c.relname as table, pg_get_triggerdef(tg.oid) as def
      from pg_trigger tg join pg_class c on c.oid = tg.tgrelid
      where tg.tgname = 'server_owned_fields' and c.relnamespace = 'public'::regnamespace`)
    const argsOf = (def: string) =>
      (def.match(/server_owned_fields\((.*)\)$/)?.[1] ?? '')
        .split(', ')
        .map((a) => a.replace(/^'|'$/g, ''))
    const got = Object.fromEntries(triggers.map((r) => [r.table, argsOf(r.def).sort()]))
    const want = Object.fromEntries(
      contracts
        .map((c) => [getTableName(c.table), serverOwnedArguments(c).sort()] as const)
        .filter(([, args]) => args.length > 0),
    )
    expect(got, `make the catalog match with:\n${serverOwnedTriggersSql(contracts)}`).toEqual(want)
    const identities = await t.sql.query<{ column: string; identity: string }>(`
      select c.relname || '.' || a.attname as column, a.attidentity as identity
      from pg_attribute a join pg_class c on c.oid = a.attrelid
      where c.relnamespace = 'public'::regnamespace and a.attidentity <> ''`)
    const declared = contracts.flatMap((c) =>
      Object.entries(c.serverOwned as Record<string, string>)
        .filter(([, v]) => v === 'identity')
        .map(([k]) => `${getTableName(c.table)}.${sqlColumnName(c.table, k)}`),
    )
    expect(identities).toEqual(declared.map((column) => ({ column, identity: 'a' })))
  })

  it('a table created later grants the API roles nothing, even after supabase-env.sql runs again', async () => {
    await expect(
      t.sql.transaction(async (tx) => {
        // db:migrate runs the environment again whenever the file changes.
        await tx.exec(readScript(supabaseEnvFile).text)
        await tx.exec('create table public.contract_probe (id int primary key, note text)')
        const rows = await tx.query<CatalogGrant>(catalogGrantsSql)
        expect(rows.filter((r) => r.table === 'contract_probe')).toEqual([])
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
  })

  it('ids and times an API role chooses are replaced by the server, on every table it inserts into', async () => {
    const me = await createTestUser(t.db, { metadata: { account_name: 'chooser' } })
    const past = '1999-01-01T00:00:00.000Z'
    const future = '2999-01-01T00:00:00.000Z'
    const taken = 'aaaaaaaaaaaaaaaaaaaaaaaa'
    const inserts = {
      general_user_profiles: sql`insert into public.general_user_profiles (user_id, bio, created_at, updated_at)
        values (${me.id}, 'b', ${past}, ${future}) returning *`,
      addresses: sql`insert into public.addresses (id, user_id, postal_code, country, city, line1, created_at, updated_at)
        values (${taken}, ${me.id}, '1', 'JP', 'Kyoto', '1', ${past}, ${future}) returning *`,
      chat_rooms: sql`insert into public.chat_rooms (id, type, name, created_by, created_at, updated_at)
        values (${taken}, 'GROUP', 'Mine', ${me.id}, ${future}, ${future}) returning *`,
      embeddings: sql`insert into public.embeddings (user_id, content, embedding, created_at)
        values (${me.id}, 'c', array_fill(0.1, array[1536])::extensions.vector, ${past}) returning id, created_at`,
    }
    const rows: Record<string, Record<string, unknown>> = {}
    await asUser(t.db, me, async (tx) => {
      for (const [table, insert] of Object.entries(inserts)) {
        const [row] = await executeRows<Record<string, unknown>>(tx, insert)
        rows[table] = row as Record<string, unknown>
      }
      const roomId = rows.chat_rooms?.id as string
      // No RETURNING: the new member's row is readable only once the statement is done.
      await executeRows(
        tx,
        sql`insert into public.user_chats (chat_room_id, user_id, joined_at, last_read_at)
            values (${roomId}, ${me.id}, ${past}, ${future})`,
      )
      const [membership] = await executeRows<Record<string, unknown>>(
        tx,
        sql`select * from public.user_chats where chat_room_id = ${roomId}`,
      )
      rows.user_chats = membership as Record<string, unknown>
      const [message] = await executeRows<Record<string, unknown>>(
        tx,
        sql`insert into public.messages (id, chat_room_id, sender_user_id, content, created_at, edited_at)
            values (${taken}, ${roomId}, ${me.id}, 'hi', ${future}, ${future}) returning *`,
      )
      rows.messages = message as Record<string, unknown>
    })
    const recent = (v: unknown) => Math.abs(Date.now() - new Date(v as string).getTime()) < 60_000
    for (const [table, row] of Object.entries(rows)) {
      if ('id' in row && table !== 'embeddings') expect(row.id, table).not.toBe(taken)
      for (const field of ['created_at', 'updated_at', 'joined_at']) {
        if (field in row) expect(recent(row[field]), `${table}.${field}`).toBe(true)
      }
    }
    expect(rows.user_chats?.last_read_at).toBeNull()
    expect(rows.messages?.edited_at).toBeNull()
  })
})
