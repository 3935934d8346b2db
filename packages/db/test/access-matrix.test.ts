// The access matrix: who may do what to which table, asserted on both lanes through rls().
//
// Actors: anon (not signed in), owner (alice: owns the row, created the room, OWNER of the
// organization), member (bob: in alice's room, MEMBER of her organization), stranger (carol),
// service (service_role). Outcomes:
//   ok    — the statement succeeds and reaches the row
//   none  — RLS hides the row: a select sees nothing, an update/delete affects 0 rows
//   error — Postgres refuses with 42501 (a WITH CHECK failed, or no column privilege)
// Every write runs in a transaction that is rolled back, so each row starts from the fixture.

type Outcome = 'ok' | 'none' | 'error'
type Row = [anon: Outcome, owner: Outcome, member: Outcome, stranger: Outcome, service: Outcome]
type Spec = { table: string; op: string; sql: string; expect: Row }

// {alice} {bob} {carol} {eve} {ghost} {org} {room} {otherRoom} {vu} {msg} {addr} {emb} are
// fixture ids (see beforeAll). eve is a user in nothing; ghost an auth user without a
// general_users row.
const matrix: Spec[] = [
  // general_users: public profiles
  {
    table: 'general_users',
    op: 'select',
    sql: `select 1 from general_users where id = {alice}`,
    expect: ['ok', 'ok', 'ok', 'ok', 'ok'],
  },
  {
    table: 'general_users',
    op: 'insert',
    sql: `insert into general_users (id, display_name, account_name) values ({ghost}, 'G', 'ghost_user') returning 1`,
    expect: ['error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'general_users',
    op: 'update',
    sql: `update general_users set display_name = 'X' where id = {alice} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'ok'],
  },
  {
    table: 'general_users',
    op: 'delete',
    sql: `delete from general_users where id = {alice} returning 1`,
    expect: ['none', 'ok', 'none', 'none', 'ok'],
  },
  // general_user_profiles, addresses, embeddings: the owner's only
  {
    table: 'general_user_profiles',
    op: 'select',
    sql: `select 1 from general_user_profiles where user_id = {alice}`,
    expect: ['none', 'ok', 'none', 'none', 'ok'],
  },
  {
    table: 'general_user_profiles',
    op: 'insert',
    sql: `insert into general_user_profiles (user_id, bio) values ({alice}, 'b') on conflict (user_id) do update set bio = excluded.bio returning 1`,
    expect: ['error', 'ok', 'error', 'error', 'ok'],
  },
  {
    table: 'general_user_profiles',
    op: 'update',
    sql: `update general_user_profiles set bio = 'x' where user_id = {alice} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'ok'],
  },
  {
    table: 'general_user_profiles',
    op: 'delete',
    sql: `delete from general_user_profiles where user_id = {alice} returning 1`,
    expect: ['none', 'ok', 'none', 'none', 'ok'],
  },
  {
    table: 'addresses',
    op: 'select',
    sql: `select 1 from addresses where id = {addr}`,
    expect: ['none', 'ok', 'none', 'none', 'ok'],
  },
  {
    table: 'addresses',
    op: 'insert',
    sql: `insert into addresses (user_id, postal_code, country, city, line1) values ({alice}, '1', 'JP', 'Kyoto', '2-2') returning 1`,
    expect: ['error', 'ok', 'error', 'error', 'ok'],
  },
  {
    table: 'addresses',
    op: 'update',
    sql: `update addresses set city = 'Osaka' where id = {addr} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'ok'],
  },
  {
    table: 'addresses',
    op: 'delete',
    sql: `delete from addresses where id = {addr} returning 1`,
    expect: ['none', 'ok', 'none', 'none', 'ok'],
  },
  {
    table: 'embeddings',
    op: 'select',
    sql: `select 1 from embeddings where id = {emb}`,
    expect: ['none', 'ok', 'none', 'none', 'ok'],
  },
  {
    table: 'embeddings',
    op: 'insert',
    sql: `insert into embeddings (user_id, content, embedding) values ({alice}, 'another', array_fill(0.5, array[1536])::vector) returning 1`,
    expect: ['error', 'ok', 'error', 'error', 'ok'],
  },
  {
    table: 'embeddings',
    op: 'update',
    sql: `update embeddings set content = 'x' where id = {emb} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'ok'],
  },
  {
    table: 'embeddings',
    op: 'delete',
    sql: `delete from embeddings where id = {emb} returning 1`,
    expect: ['none', 'ok', 'none', 'none', 'ok'],
  },
  // organizations: its corporate users read; OWNER/ADMIN change; server code creates
  {
    table: 'organizations',
    op: 'select',
    sql: `select 1 from organizations where id = {org}`,
    expect: ['none', 'ok', 'ok', 'none', 'ok'],
  },
  {
    table: 'organizations',
    op: 'insert',
    sql: `insert into organizations (name, slug) values ('N', 'new-org') returning 1`,
    expect: ['error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'organizations',
    op: 'update',
    sql: `update organizations set name = 'X' where id = {org} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'ok'],
  },
  {
    table: 'organizations',
    op: 'delete',
    sql: `delete from organizations where id = {org} returning 1`,
    expect: ['none', 'none', 'none', 'none', 'ok'],
  },
  // corporate_users: self + colleagues read; self changes details; OWNER/ADMIN add and remove
  {
    table: 'corporate_users',
    op: 'select',
    sql: `select 1 from corporate_users where id = {alice}`,
    expect: ['none', 'ok', 'ok', 'none', 'ok'],
  },
  {
    table: 'corporate_users',
    op: 'insert',
    sql: `insert into corporate_users (id, organization_id, display_name) values ({eve}, {org}, 'Eve') returning 1`,
    expect: ['error', 'ok', 'error', 'error', 'ok'],
  },
  {
    table: 'corporate_users',
    op: 'update',
    sql: `update corporate_users set display_name = 'X' where id = {alice} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'ok'],
  },
  {
    table: 'corporate_users',
    op: 'delete',
    sql: `delete from corporate_users where id = {bob} returning 1`,
    expect: ['none', 'ok', 'none', 'none', 'ok'],
  },
  // chat_rooms: members (and the creator) read; created as oneself; the creator changes
  {
    table: 'chat_rooms',
    op: 'select',
    sql: `select 1 from chat_rooms where id = {room}`,
    expect: ['none', 'ok', 'ok', 'none', 'ok'],
  },
  {
    table: 'chat_rooms',
    op: 'insert',
    sql: `insert into chat_rooms (type, name, created_by) values ('GROUP', 'N', {alice}) returning 1`,
    expect: ['error', 'ok', 'error', 'error', 'ok'],
  },
  {
    table: 'chat_rooms',
    op: 'update',
    sql: `update chat_rooms set name = 'X' where id = {room} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'ok'],
  },
  {
    table: 'chat_rooms',
    op: 'delete',
    sql: `delete from chat_rooms where id = {room} returning 1`,
    expect: ['none', 'ok', 'none', 'none', 'ok'],
  },
  // user_chats: members read; the creator adds; each member marks read; leave or be removed
  {
    table: 'user_chats',
    op: 'select',
    sql: `select 1 from user_chats where chat_room_id = {room} and user_id = {alice}`,
    expect: ['none', 'ok', 'ok', 'none', 'ok'],
  },
  {
    table: 'user_chats',
    op: 'insert',
    sql: `insert into user_chats (chat_room_id, user_id) values ({room}, {eve}) returning 1`,
    expect: ['error', 'ok', 'error', 'error', 'ok'],
  },
  {
    table: 'user_chats',
    op: 'update',
    sql: `update user_chats set last_read_at = now() where chat_room_id = {room} and user_id = {alice} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'ok'],
  },
  {
    table: 'user_chats',
    op: 'delete',
    sql: `delete from user_chats where chat_room_id = {room} and user_id = {bob} returning 1`,
    expect: ['none', 'ok', 'ok', 'none', 'ok'],
  },
  // messages: members read; members send as themselves; senders edit and delete
  {
    table: 'messages',
    op: 'select',
    sql: `select 1 from messages where id = {msg}`,
    expect: ['none', 'ok', 'ok', 'none', 'ok'],
  },
  {
    table: 'messages',
    op: 'insert',
    sql: `insert into messages (chat_room_id, sender_user_id, content) values ({room}, {alice}, 'hi') returning 1`,
    expect: ['error', 'ok', 'error', 'error', 'ok'],
  },
  {
    table: 'messages',
    op: 'update',
    sql: `update messages set content = 'edited', edited_at = now() where id = {msg} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'ok'],
  },
  {
    table: 'messages',
    op: 'delete',
    sql: `delete from messages where id = {msg} returning 1`,
    expect: ['none', 'ok', 'none', 'none', 'ok'],
  },
  // virtual users: signed-in users read; server code writes
  {
    table: 'virtual_users',
    op: 'select',
    sql: `select 1 from virtual_users where id = {vu}`,
    expect: ['none', 'ok', 'ok', 'ok', 'ok'],
  },
  {
    table: 'virtual_users',
    op: 'insert',
    sql: `insert into virtual_users (name) values ('V') returning 1`,
    expect: ['error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'virtual_users',
    op: 'update',
    sql: `update virtual_users set name = 'X' where id = {vu} returning 1`,
    expect: ['error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'virtual_users',
    op: 'delete',
    sql: `delete from virtual_users where id = {vu} returning 1`,
    expect: ['none', 'none', 'none', 'none', 'ok'],
  },
  {
    table: 'virtual_user_profiles',
    op: 'select',
    sql: `select 1 from virtual_user_profiles where virtual_user_id = {vu}`,
    expect: ['none', 'ok', 'ok', 'ok', 'ok'],
  },
  {
    table: 'virtual_user_profiles',
    op: 'insert',
    sql: `insert into virtual_user_profiles (virtual_user_id) values ({vu}) on conflict (virtual_user_id) do update set model = 'n' returning 1`,
    expect: ['error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'virtual_user_profiles',
    op: 'update',
    sql: `update virtual_user_profiles set temperature = 1.5 where virtual_user_id = {vu} returning 1`,
    expect: ['error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'virtual_user_profiles',
    op: 'delete',
    sql: `delete from virtual_user_profiles where virtual_user_id = {vu} returning 1`,
    expect: ['none', 'none', 'none', 'none', 'ok'],
  },
  {
    table: 'virtual_user_chats',
    op: 'select',
    sql: `select 1 from virtual_user_chats where chat_room_id = {room}`,
    expect: ['none', 'ok', 'ok', 'none', 'ok'],
  },
  {
    table: 'virtual_user_chats',
    op: 'insert',
    sql: `insert into virtual_user_chats (chat_room_id, virtual_user_id) values ({otherRoom}, {vu}) returning 1`,
    expect: ['error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'virtual_user_chats',
    op: 'update',
    sql: `update virtual_user_chats set joined_at = now() where chat_room_id = {room} returning 1`,
    expect: ['error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'virtual_user_chats',
    op: 'delete',
    sql: `delete from virtual_user_chats where chat_room_id = {room} returning 1`,
    expect: ['none', 'none', 'none', 'none', 'ok'],
  },
]

// Escalations: a user trying to move a row out of reach or act in someone else's name.
const escalations: {
  attempt: string
  actor: 'owner' | 'member' | 'stranger'
  sql: string
  expect: Outcome
}[] = [
  {
    attempt: 'give own address to another user',
    actor: 'owner',
    sql: `update addresses set user_id = {carol} where id = {addr} returning 1`,
    expect: 'error',
  },
  {
    attempt: 'give own embedding to another user',
    actor: 'owner',
    sql: `update embeddings set user_id = {carol} where id = {emb} returning 1`,
    expect: 'error',
  },
  {
    attempt: 'move own message to another room',
    actor: 'owner',
    sql: `update messages set chat_room_id = {otherRoom} where id = {msg} returning 1`,
    expect: 'error',
  },
  {
    attempt: 'rewrite own message as sent by someone else',
    actor: 'owner',
    sql: `update messages set sender_user_id = {bob} where id = {msg} returning 1`,
    expect: 'error',
  },
  {
    attempt: 'send a message as another member',
    actor: 'member',
    sql: `insert into messages (chat_room_id, sender_user_id, content) values ({room}, {alice}, 'fake') returning 1`,
    expect: 'error',
  },
  {
    attempt: 'send a message as a virtual user',
    actor: 'owner',
    sql: `insert into messages (chat_room_id, sender_user_id, sender_virtual_user_id, content) values ({room}, {alice}, {vu}, 'x') returning 1`,
    expect: 'error',
  },
  {
    attempt: 'send into a room one is not in',
    actor: 'stranger',
    sql: `insert into messages (chat_room_id, sender_user_id, content) values ({room}, {carol}, 'hi') returning 1`,
    expect: 'error',
  },
  {
    attempt: "join someone else's room",
    actor: 'stranger',
    sql: `insert into user_chats (chat_room_id, user_id) values ({room}, {carol}) returning 1`,
    expect: 'error',
  },
  {
    attempt: 'add oneself to a room one was removed from (member is not creator)',
    actor: 'member',
    sql: `insert into user_chats (chat_room_id, user_id) values ({otherRoom}, {bob}) returning 1`,
    expect: 'error',
  },
  {
    attempt: "mark another member's messages read",
    actor: 'owner',
    sql: `update user_chats set last_read_at = now() where chat_room_id = {room} and user_id = {bob} returning 1`,
    expect: 'none',
  },
  {
    attempt: 'promote oneself to OWNER',
    actor: 'member',
    sql: `update corporate_users set role = 'OWNER' where id = {bob} returning 1`,
    expect: 'error',
  },
  {
    attempt: 'move oneself to another organization',
    actor: 'owner',
    sql: `update corporate_users set organization_id = {org} where id = {alice} returning 1`,
    expect: 'error',
  },
  {
    attempt: 'take over a room by changing its creator',
    actor: 'member',
    sql: `update chat_rooms set created_by = {bob} where id = {room} returning 1`,
    expect: 'error',
  },
  {
    attempt: "claim another pair's private room",
    actor: 'stranger',
    sql: `insert into chat_rooms (type, created_by, pair_key) values ('PRIVATE', {carol}, {alice} || ':' || {bob}) returning 1`,
    expect: 'error',
  },
  {
    attempt: 'create a room as oneself (allowed)',
    actor: 'stranger',
    sql: `insert into chat_rooms (type, name, created_by) values ('GROUP', 'Mine', {carol}) returning 1`,
    expect: 'ok',
  },
  {
    attempt: 'empty a table with TRUNCATE (ignores RLS)',
    actor: 'stranger',
    sql: 'truncate messages',
    expect: 'error',
  },
  {
    attempt: 'read auth.users',
    actor: 'stranger',
    sql: 'select 1 from auth.users',
    expect: 'error',
  },
  {
    attempt: 'call a membership helper directly for another user',
    actor: 'stranger',
    sql: `select 1 from private.my_room_ids() r where r = {room}`,
    expect: 'none',
  },
]

import { sql as rawSql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { executeRows, type JwtClaims } from '../src/client'
import { pgErrorInfo } from '../src/pg-error'
import { lane, openTestDatabase, type TestDatabase } from './lanes'

let t: TestDatabase
const ids: Record<string, string> = {}

class Rollback extends Error {
  constructor(readonly rows: number) {
    super('rollback')
  }
}

const actors = ['anon', 'owner', 'member', 'stranger', 'service'] as const
type Actor = (typeof actors)[number]
const claimsOf = (actor: Actor): JwtClaims => {
  switch (actor) {
    case 'anon':
      return { role: 'anon' }
    case 'service':
      return { role: 'service_role' }
    case 'owner':
      return { sub: ids.alice }
    case 'member':
      return { sub: ids.bob }
    case 'stranger':
      return { sub: ids.carol }
  }
}

const fill = (text: string) =>
  text.replace(/\{(\w+)\}/g, (_, name: string) => {
    const id = ids[name]
    if (id === undefined) throw new Error(`no fixture id {${name}}`)
    return `'${id}'`
  })

/** Runs the statement as the actor inside rls(), then rolls back. */
async function attempt(actor: Actor, statement: string): Promise<Outcome> {
  try {
    await t.db.rls(claimsOf(actor), async (tx) => {
      const rows = await executeRows(tx, rawSql.raw(fill(statement)))
      throw new Rollback(rows.length)
    })
  } catch (error) {
    if (error instanceof Rollback) return error.rows > 0 ? 'ok' : 'none'
    const pg = pgErrorInfo(error)
    if (pg?.code === '42501') return 'error'
    throw error
  }
  throw new Error('unreachable: the transaction always rolls back')
}

beforeAll(async () => {
  t = await openTestDatabase()
  const one = async (q: string) => (await t.sql.query<{ id: string }>(fill(q)))[0]?.id as string
  for (const name of ['alice', 'bob', 'carol', 'eve', 'ghost']) {
    ids[name] = await one(
      `insert into auth.users (email, raw_user_meta_data) values ('${name}@example.com', '{"account_name": "${name}"}') returning id`,
    )
  }
  await t.sql.exec(fill('delete from general_users where id = {ghost}'))
  ids.org = await one(`insert into organizations (name, slug) values ('Acme', 'acme') returning id`)
  await t.sql.exec(
    fill(`insert into corporate_users (id, organization_id, role, display_name) values
      ({alice}, {org}, 'OWNER', 'Alice'), ({bob}, {org}, 'MEMBER', 'Bob')`),
  )
  ids.room = await one(
    `insert into chat_rooms (type, name, created_by) values ('GROUP', 'Team', {alice}) returning id`,
  )
  ids.otherRoom = await one(
    `insert into chat_rooms (type, name, created_by) values ('GROUP', 'Other', {alice}) returning id`,
  )
  await t.sql.exec(
    fill(
      `insert into user_chats (chat_room_id, user_id) values ({room}, {alice}), ({room}, {bob}), ({otherRoom}, {alice})`,
    ),
  )
  ids.msg = await one(
    `insert into messages (chat_room_id, sender_user_id, content) values ({room}, {alice}, 'hello') returning id`,
  )
  ids.vu = await one(`insert into virtual_users (name) values ('Helper') returning id`)
  await t.sql.exec(
    fill(`insert into virtual_user_profiles (virtual_user_id, model) values ({vu}, 'm');
          insert into virtual_user_chats (chat_room_id, virtual_user_id) values ({room}, {vu});
          insert into general_user_profiles (user_id, bio) values ({alice}, 'hi')`),
  )
  ids.addr = await one(
    `insert into addresses (user_id, postal_code, country, city, line1) values ({alice}, '1', 'JP', 'Tokyo', '1-1') returning id`,
  )
  ids.emb = await one(
    `insert into embeddings (user_id, content, embedding) values ({alice}, 'c', array_fill(0.1, array[1536])::vector) returning id::text as id`,
  )
})
afterAll(() => t?.close())

describe(`access matrix (${lane})`, () => {
  it.each(matrix)('$table $op', async ({ sql, expect: expected }) => {
    const got: Outcome[] = []
    for (const actor of actors) got.push(await attempt(actor, sql))
    expect(Object.fromEntries(actors.map((a, i) => [a, got[i]]))).toEqual(
      Object.fromEntries(actors.map((a, i) => [a, expected[i]])),
    )
  })

  it.each(escalations)('$actor cannot: $attempt', async ({ actor, sql, expect: expected }) => {
    expect(await attempt(actor, sql)).toBe(expected)
  })

  it('every public table is in the matrix with all four operations', async () => {
    const tables = await t.sql.query<{ relname: string }>(
      `select relname from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'`,
    )
    for (const { relname } of tables) {
      expect(
        matrix
          .filter((m) => m.table === relname)
          .map((m) => m.op)
          .sort(),
        relname,
      ).toEqual(['delete', 'insert', 'select', 'update'])
    }
  })
})
