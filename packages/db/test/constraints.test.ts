// Every check and unique rule of the data model, proven by an insert or update it rejects.
// The spec is the table below; valid rows for each table are made first, so each case differs
// from a valid write only in the one value under test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertValidRows, VALID_PAIR_KEY, VALID_USER } from './fixtures/valid-rows.ts'
import { lane, openTestDatabase, type TestDatabase } from './lanes.ts'
import { pgRejects } from './pg.ts'

type Case = { rule: string; sql: string; code: string; constraint?: string }

const USER = VALID_USER
/** A well-formed pair key of two people who have no room yet. */
const OTHER_PAIR_KEY = '3333333a-3333-4333-8333-333333333333:4444444b-4444-4444-8444-444444444444'
const long = (n: number) => `repeat('x', ${n})`
const vec = (dims: number) => `array_fill(0.1, array[${dims}])::vector`

const cases: Case[] = [
  // organizations
  {
    rule: 'slug format',
    sql: `insert into organizations (name, slug) values ('A', 'Bad Slug')`,
    code: '23514',
    constraint: 'organizations_slug_format',
  },
  {
    rule: 'slug length',
    sql: `insert into organizations (name, slug) values ('A', 'a')`,
    code: '23514',
    constraint: 'organizations_slug_format',
  },
  {
    rule: 'slug unique',
    sql: `insert into organizations (name, slug) values ('A', 'acme')`,
    code: '23505',
    constraint: 'organizations_slug_key',
  },
  {
    rule: 'organization name not blank',
    sql: `insert into organizations (name, slug) values ('   ', 'blank-name')`,
    code: '23514',
    constraint: 'organizations_name_length',
  },
  // corporate_users
  {
    rule: 'corporate email format',
    sql: `update corporate_users set email = 'not-an-email'`,
    code: '23514',
    constraint: 'corporate_users_email_format',
  },
  {
    rule: 'corporate display name not blank',
    sql: `update corporate_users set display_name = ' '`,
    code: '23514',
    constraint: 'corporate_users_display_name_length',
  },
  { rule: 'corporate role enum', sql: `update corporate_users set role = 'KING'`, code: '22P02' },
  // general_users
  {
    rule: 'account name too short',
    sql: `update general_users set account_name = 'ab'`,
    code: '23514',
    constraint: 'general_users_account_name_format',
  },
  {
    rule: 'account name characters',
    sql: `update general_users set account_name = 'Has Space'`,
    code: '23514',
    constraint: 'general_users_account_name_format',
  },
  {
    rule: 'account name unique',
    sql: `insert into auth.users (id) values (gen_random_uuid()); update general_users set account_name = 'alice_a' where account_name <> 'alice_a'`,
    code: '23505',
    constraint: 'general_users_account_name_key',
  },
  {
    rule: 'display name length',
    sql: `update general_users set display_name = ${long(101)}`,
    code: '23514',
    constraint: 'general_users_display_name_length',
  },
  {
    rule: 'avatar url scheme',
    sql: `update general_users set avatar_url = 'javascript:alert(1)'`,
    code: '23514',
    constraint: 'general_users_avatar_url_format',
  },
  // general_user_profiles
  {
    rule: 'website scheme',
    sql: `update general_user_profiles set website = 'ftp://x.example'`,
    code: '23514',
    constraint: 'general_user_profiles_website_format',
  },
  {
    rule: 'birthday range',
    sql: `update general_user_profiles set birthday = '1850-01-01'`,
    code: '23514',
    constraint: 'general_user_profiles_birthday_range',
  },
  {
    rule: 'bio length',
    sql: `update general_user_profiles set bio = ${long(1001)}`,
    code: '23514',
    constraint: 'general_user_profiles_bio_length',
  },
  // addresses
  {
    rule: 'country is ISO 3166-1 alpha-2',
    sql: `update addresses set country = 'XX'`,
    code: '23514',
    constraint: 'addresses_country_iso',
  },
  {
    rule: 'country upper case',
    sql: `update addresses set country = 'jp'`,
    code: '23514',
    constraint: 'addresses_country_iso',
  },
  {
    rule: 'postal code not blank',
    sql: `update addresses set postal_code = ' '`,
    code: '23514',
    constraint: 'addresses_postal_code_length',
  },
  {
    rule: 'city not blank',
    sql: `update addresses set city = ''`,
    code: '23514',
    constraint: 'addresses_city_length',
  },
  {
    rule: 'one default address per user',
    sql: `insert into addresses (user_id, postal_code, country, city, line1, is_default) values ('${USER}', '100-0001', 'JP', 'Tokyo', '1-1', true)`,
    code: '23505',
    constraint: 'addresses_one_default_per_user',
  },
  // chat_rooms
  {
    rule: 'group room needs a name',
    sql: `insert into chat_rooms (type, created_by) values ('GROUP', '${USER}')`,
    code: '23514',
    constraint: 'chat_rooms_group_has_name',
  },
  {
    rule: 'private room needs its pair key',
    sql: `insert into chat_rooms (type, created_by) values ('PRIVATE', '${USER}')`,
    code: '23514',
    constraint: 'chat_rooms_pair_key_only_private',
  },
  {
    rule: 'group room has no pair key',
    sql: `insert into chat_rooms (type, name, pair_key) values ('GROUP', 'g', '${OTHER_PAIR_KEY}')`,
    code: '23514',
    constraint: 'chat_rooms_pair_key_only_private',
  },
  {
    rule: 'one private room per pair',
    sql: `insert into chat_rooms (type, pair_key) values ('PRIVATE', '${VALID_PAIR_KEY}')`,
    code: '23505',
    constraint: 'chat_rooms_pair_key_key',
  },
  ...[
    ['names two uuids', 'pair'],
    ['is lower case', OTHER_PAIR_KEY.toUpperCase()],
    ['is sorted', OTHER_PAIR_KEY.split(':').reverse().join(':')],
    ['names two different people', `${USER}:${USER}`],
    ['has nothing around it', ` ${OTHER_PAIR_KEY}`],
  ].map(([rule, key]) => ({
    rule: `a pair key ${rule}`,
    sql: `insert into chat_rooms (type, pair_key) values ('PRIVATE', '${key}')`,
    code: '23514',
    constraint: 'chat_rooms_pair_key_format',
  })),
  // messages
  {
    rule: 'a message has a sender',
    sql: `insert into messages (chat_room_id, content) select id, 'hi' from chat_rooms limit 1`,
    code: '23514',
    constraint: 'messages_one_sender',
  },
  {
    rule: 'a message has one sender only',
    sql: `insert into messages (chat_room_id, sender_user_id, sender_virtual_user_id, content) select r.id, '${USER}', v.id, 'hi' from chat_rooms r, virtual_users v limit 1`,
    code: '23514',
    constraint: 'messages_one_sender',
  },
  {
    rule: 'content not blank after trim',
    sql: `update messages set content = E' \\n\\t '`,
    code: '23514',
    constraint: 'messages_content_length',
  },
  {
    rule: 'content at most 4000',
    sql: `update messages set content = ${long(4001)}`,
    code: '23514',
    constraint: 'messages_content_length',
  },
  // ai
  {
    rule: 'virtual user name not blank',
    sql: `update virtual_users set name = ''`,
    code: '23514',
    constraint: 'virtual_users_name_length',
  },
  {
    rule: 'temperature at most 2',
    sql: `update virtual_user_profiles set temperature = 2.01`,
    code: '23514',
    constraint: 'virtual_user_profiles_temperature_range',
  },
  {
    rule: 'temperature at least 0',
    sql: `update virtual_user_profiles set temperature = -0.1`,
    code: '23514',
    constraint: 'virtual_user_profiles_temperature_range',
  },
  {
    rule: 'embedding has 1536 dimensions',
    sql: `update embeddings set embedding = ${vec(1535)}`,
    code: '22000',
  },
  {
    rule: 'embedding content not empty',
    sql: `update embeddings set content = ''`,
    code: '23514',
    constraint: 'embeddings_content_length',
  },
]

let t: TestDatabase
beforeAll(async () => {
  t = await openTestDatabase()
  // Every case below would pass without its one bad value.
  await insertValidRows(t.sql)
})
afterAll(() => t?.close())

describe(`data model rules (${lane})`, () => {
  it.each(cases)('$rule', async ({ sql, code, constraint }) => {
    const error = await pgRejects(t.sql.exec(sql))
    expect(error.code).toBe(code)
    if (constraint) expect(error.message + (error.constraint ?? '')).toContain(constraint)
  })

  it('the valid rows are all there (each case failed on its own rule, not on a missing row)', async () => {
    const [row] = await t.sql.query<Record<string, string>>(`
      select (select count(*) from general_users)::text as users,
             (select count(*) from corporate_users)::text as corporate,
             (select count(*) from general_user_profiles)::text as profiles,
             (select count(*) from addresses)::text as addresses,
             (select count(*) from messages)::text as messages,
             (select count(*) from virtual_user_profiles)::text as vprofiles,
             (select count(*) from embeddings)::text as embeddings`)
    expect(row).toEqual({
      users: '2',
      corporate: '1',
      profiles: '1',
      addresses: '1',
      messages: '1',
      vprofiles: '1',
      embeddings: '1',
    })
  })
})
