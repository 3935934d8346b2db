// Bad input, second layer: the invalid values of the DTO tables (test/once/dto.test.ts) written
// straight through SQL as the owner, past every DTO, on both lanes. test/constraints.test.ts
// proves each rule once; these are the DTO cases it does not cover (boundaries, vectors, NaN,
// formats), the boundary values the database must still accept, and, spelled out, the few
// rules only the DTO enforces. {text} is a valid row's key (see beforeAll).

type Refused = { value: string; sql: string; code: string; constraint?: string }

const len = (n: number) => `repeat('x', ${n})`
const emoji = (n: number) => `repeat('😀', ${n})`
const vector = (components: string) => `('[' || ${components} || ']')::vector`
const dims = (n: number, last = '0.1') => vector(`repeat('0.1,', ${n - 1}) || '${last}'`)

const refused: Refused[] = [
  // embeddings: the vector and its content
  {
    value: 'embedding of 1535',
    sql: `update embeddings set embedding = ${dims(1535)}`,
    code: '22000',
  },
  {
    value: 'embedding of 1537',
    sql: `update embeddings set embedding = ${dims(1537)}`,
    code: '22000',
  },
  { value: 'embedding of 0', sql: `update embeddings set embedding = '[]'`, code: '22000' },
  {
    value: 'a NaN component',
    sql: `update embeddings set embedding = ${dims(1536, 'NaN')}`,
    code: '22000',
  },
  {
    value: 'an Infinity component',
    sql: `update embeddings set embedding = ${dims(1536, 'Infinity')}`,
    code: '22000',
  },
  {
    value: 'a -Infinity component',
    sql: `update embeddings set embedding = ${dims(1536, '-Infinity')}`,
    code: '22000',
  },
  {
    value: 'a component beyond float4',
    sql: `update embeddings set embedding = ${dims(1536, '1e39')}`,
    code: '22003',
  },
  {
    value: 'a string component',
    sql: `update embeddings set embedding = ${dims(1536, '"0.1"')}`,
    code: '22P02',
  },
  {
    value: 'embedding content of 100001',
    sql: `update embeddings set content = ${len(100_001)}`,
    code: '23514',
    constraint: 'embeddings_content_length',
  },
  // virtual users and their profiles
  {
    value: 'temperature NaN',
    sql: `update virtual_user_profiles set temperature = 'NaN'`,
    code: '23514',
    constraint: 'virtual_user_profiles_temperature_range',
  },
  {
    value: 'temperature Infinity',
    sql: `update virtual_user_profiles set temperature = 'Infinity'`,
    code: '23514',
    constraint: 'virtual_user_profiles_temperature_range',
  },
  {
    value: 'model blank',
    sql: `update virtual_user_profiles set model = '  '`,
    code: '23514',
    constraint: 'virtual_user_profiles_model_length',
  },
  {
    value: 'model of 101',
    sql: `update virtual_user_profiles set model = ${len(101)}`,
    code: '23514',
    constraint: 'virtual_user_profiles_model_length',
  },
  {
    value: 'system prompt of 20001',
    sql: `update virtual_user_profiles set system_prompt = ${len(20_001)}`,
    code: '23514',
    constraint: 'virtual_user_profiles_system_prompt_length',
  },
  {
    value: 'bot avatar not a URL',
    sql: `update virtual_user_profiles set avatar_url = 'bot.png'`,
    code: '23514',
    constraint: 'virtual_user_profiles_avatar_url_format',
  },
  {
    value: 'virtual user name of 101',
    sql: `update virtual_users set name = ${len(101)}`,
    code: '23514',
    constraint: 'virtual_users_name_length',
  },
  // organizations and corporate users
  {
    value: 'organization name of 101 emoji',
    sql: `update organizations set name = ${emoji(101)}`,
    code: '23514',
    constraint: 'organizations_name_length',
  },
  ...[`a${'-b'.repeat(31)}c`, '-acme', 'acme-', 'ac--me', 'Acme'].map(
    (slug): Refused => ({
      value: `slug ${slug.length > 20 ? `of ${slug.length}` : `'${slug}'`}`,
      sql: `update organizations set slug = '${slug}'`,
      code: '23514',
      constraint: 'organizations_slug_format',
    }),
  ),
  ...['a@b@c', 'a b@c', `${'x'.repeat(311)}@acme.test`].map(
    (email): Refused => ({
      value: `email ${email.length > 20 ? `of ${email.length}` : `'${email}'`}`,
      sql: `update corporate_users set email = '${email}'`,
      code: '23514',
      constraint: 'corporate_users_email_format',
    }),
  ),
  {
    value: 'corporate display name of 101',
    sql: `update corporate_users set display_name = ${len(101)}`,
    code: '23514',
    constraint: 'corporate_users_display_name_length',
  },
  { value: 'role lower case', sql: `update corporate_users set role = 'member'`, code: '22P02' },
  // general users and profiles
  ...['a'.repeat(31), 'Alice', 'ali-ce', 'alice\n'].map(
    (name): Refused => ({
      value: `account name ${JSON.stringify(name.length > 20 ? `of ${name.length}` : name)}`,
      sql: `update general_users set account_name = E'${name.replace('\n', '\\n')}'`,
      code: '23514',
      constraint: 'general_users_account_name_format',
    }),
  ),
  {
    value: 'display name empty',
    sql: `update general_users set display_name = ''`,
    code: '23514',
    constraint: 'general_users_display_name_length',
  },
  {
    value: 'display name null',
    sql: `update general_users set display_name = null`,
    code: '23502',
  },
  ...[
    'ftp://cdn.test/a.png',
    'HTTPS://cdn.test/a.png',
    'http:cdn.test/a.png',
    `https://a.test/${'x'.repeat(2034)}`,
  ].map(
    (url): Refused => ({
      value: `avatar ${url.length > 40 ? `of ${url.length}` : url}`,
      sql: `update general_users set avatar_url = '${url}'`,
      code: '23514',
      constraint: 'general_users_avatar_url_format',
    }),
  ),
  {
    value: 'birthday 1899-12-31',
    sql: `update general_user_profiles set birthday = '1899-12-31'`,
    code: '23514',
    constraint: 'general_user_profiles_birthday_range',
  },
  {
    value: 'birthday not a day',
    sql: `update general_user_profiles set birthday = '2023-02-29'`,
    code: '22008',
  },
  {
    value: 'location of 101',
    sql: `update general_user_profiles set location = ${len(101)}`,
    code: '23514',
    constraint: 'general_user_profiles_location_length',
  },
  {
    value: 'website without a scheme',
    sql: `update general_user_profiles set website = 'alice.test'`,
    code: '23514',
    constraint: 'general_user_profiles_website_format',
  },
  // addresses
  ...(
    [
      ['country', `'JPN'`, 'addresses_country_iso'],
      ['label', len(51), 'addresses_label_length'],
      ['postal_code', len(21), 'addresses_postal_code_length'],
      ['region', len(101), 'addresses_region_length'],
      ['city', len(101), 'addresses_city_length'],
      ['line1', `'  '`, 'addresses_line1_length'],
      ['line1', len(201), 'addresses_line1_length'],
      ['line2', len(201), 'addresses_line2_length'],
    ] as const
  ).map(
    ([column, value, constraint]): Refused => ({
      value: `${column} ${value.startsWith('repeat') ? `of ${value.match(/\d+/)?.[0]}` : value}`,
      sql: `update addresses set ${column} = ${value}`,
      code: '23514',
      constraint,
    }),
  ),
  // chat
  {
    value: 'group room name blank',
    sql: `update chat_rooms set name = '   ' where type = 'GROUP'`,
    code: '23514',
    constraint: 'chat_rooms_group_has_name',
  },
  {
    value: 'room name of 101',
    sql: `update chat_rooms set name = ${len(101)}`,
    code: '23514',
    constraint: 'chat_rooms_name_length',
  },
  {
    value: 'room type outside the enum',
    sql: `update chat_rooms set type = 'DIRECT'`,
    code: '22P02',
  },
  {
    value: 'message content empty',
    sql: `update messages set content = ''`,
    code: '23514',
    constraint: 'messages_content_length',
  },
  {
    value: 'message content of 4001 emoji',
    sql: `update messages set content = ${emoji(4001)}`,
    code: '23514',
    constraint: 'messages_content_length',
  },
  {
    value: 'message content with NUL',
    sql: `update messages set content = E'a\\000b'`,
    code: '22021',
  },
  {
    value: 'membership of a room that does not exist',
    sql: `insert into user_chats (chat_room_id, user_id) values ('${'r'.repeat(24)}', {user})`,
    code: '23503',
  },
]

/** The limits themselves: the database must accept what the DTO accepts. */
const accepted: { value: string; sql: string }[] = [
  {
    value: 'embedding with the largest float4',
    sql: `update embeddings set embedding = ${dims(1536, '3.4028235e38')}`,
  },
  { value: 'embedding content of 100000', sql: `update embeddings set content = ${len(100_000)}` },
  {
    value: 'temperature 0 and 2',
    sql: `update virtual_user_profiles set temperature = 0; update virtual_user_profiles set temperature = 2`,
  },
  {
    value: 'system prompt of 20000',
    sql: `update virtual_user_profiles set system_prompt = ${len(20_000)}`,
  },
  { value: 'model of 100', sql: `update virtual_user_profiles set model = ${len(100)}` },
  { value: 'organization name of 100 emoji', sql: `update organizations set name = ${emoji(100)}` },
  { value: 'slug of 63', sql: `update organizations set slug = ${len(63)}` },
  { value: 'email of 320', sql: `update corporate_users set email = ${len(310)} || '@acme.test'` },
  {
    value: 'account name of 30 and of 3',
    sql: `update general_users set account_name = ${len(30)} where id = {user};
      update general_users set account_name = 'abc' where id = {user}`,
  },
  {
    value: 'display name of 100 emoji',
    sql: `update general_users set display_name = ${emoji(100)}`,
  },
  {
    value: 'avatar of 2048',
    sql: `update general_users set avatar_url = 'https://a.test/' || ${len(2033)}`,
  },
  { value: 'birthday 1900-01-01', sql: `update general_user_profiles set birthday = '1900-01-01'` },
  {
    value: 'bio of 1000 and location of 100',
    sql: `update general_user_profiles set bio = ${len(1000)}, location = ${emoji(100)}`,
  },
  {
    value: 'address fields at their limits',
    sql: `update addresses set label = ${len(50)}, postal_code = ${len(20)}, region = ${len(100)},
            city = ${len(100)}, line1 = ${len(200)}, line2 = ${emoji(200)}`,
  },
  {
    value: 'room name of 100',
    sql: `update chat_rooms set name = ${len(100)} where type = 'GROUP'`,
  },
  { value: 'message content of 4000 emoji', sql: `update messages set content = ${emoji(4000)}` },
]

/**
 * Refused by the DTO but stored by the database: rules only the DTO enforces, on purpose. Ids
 * come from generate_cuid() and Auth; a bare `http://` is a format the DTO's URL parser judges;
 * the database's "not blank" trims ASCII whitespace only, the DTO every Unicode space.
 * Only the owner and service code write past the DTO: column grants keep API roles from
 * choosing ids (see the access matrix).
 */
const dtoOnly: { value: string; sql: string }[] = [
  {
    value: 'organization id not a cuid',
    sql: `insert into organizations (id, name, slug) values ('org-1', 'A', 'org-one')`,
  },
  {
    value: 'corporate user id not an RFC uuid',
    sql: `insert into auth.users (id) values ('11111111-1111-1111-1111-111111111111')`,
  },
  { value: 'avatar without a host', sql: `update general_users set avatar_url = 'http://'` },
  {
    value: 'message content an ideographic space',
    sql: `update messages set content = E'\\u3000'`,
  },
]

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SqlRunner } from '../../src/migrations/sql-runner.ts'
import { insertValidRows, VALID_USER } from '../fixtures/valid-rows.ts'
import { lane, openTestDatabase, type TestDatabase } from '../lanes.ts'
import { pgRejects } from '../pg.ts'

const USER = VALID_USER
const fill = (sql: string) => sql.replaceAll('{user}', `'${USER}'`)

let t: TestDatabase
beforeAll(async () => {
  t = await openTestDatabase()
  // Each case differs from a valid write in its one value only.
  await insertValidRows(t.sql)
})
afterAll(() => t?.close())

class Rollback extends Error {}

/** Runs the statements and rolls them back: every case starts from the same valid rows. */
async function inRolledBack(work: (tx: SqlRunner) => Promise<void>) {
  await expect(
    t.sql.transaction(async (tx) => {
      await work(tx)
      throw new Rollback()
    }),
  ).rejects.toThrow(Rollback)
}

describe(`invalid values written through SQL as the owner (${lane})`, () => {
  it.each(refused)('refuses $value', async ({ sql, code, constraint }) => {
    const error = await pgRejects(t.sql.exec(fill(sql)))
    expect(error.code).toBe(code)
    if (constraint) expect(`${error.message} ${error.constraint ?? ''}`).toContain(constraint)
  })

  it('refuses a NaN embedding sent as a bound parameter, as a driver sends it', async () => {
    const text = `[${'0.5,'.repeat(1535)}NaN]`
    const error = await pgRejects(
      t.sql.query('update embeddings set embedding = $1::text::vector', [text]),
    )
    expect(error).toMatchObject({
      code: '22000',
      message: expect.stringMatching(/NaN not allowed/),
    })
  })

  it.each(accepted)('accepts $value', async ({ sql }) => {
    // Each statement must reach a row: an UPDATE matching nothing would accept anything.
    await inRolledBack(async (tx) => {
      for (const statement of fill(sql).split(';')) {
        const rows = await tx.query(`${statement.trim()} returning 1`)
        expect(rows.length, statement).toBeGreaterThan(0)
      }
    })
  })

  it.each(dtoOnly)('stores, past the DTO: $value', async ({ sql }) => {
    await inRolledBack((tx) => tx.exec(fill(sql)))
  })

  it('each case changed nothing: the valid rows are as they were', async () => {
    const [row] = await t.sql.query<Record<string, string>>(`
      select (select string_agg(account_name || '/' || display_name, ',' order by account_name)
                from general_users) as users,
             (select string_agg(content, ',') from messages) as messages,
             (select count(*)::text from organizations) as organizations,
             (select vector_dims(embedding)::text from embeddings) as dims`)
    expect(row).toEqual({
      users: 'alice_a/alice,bob/bob',
      messages: 'hello',
      organizations: '1',
      dims: '1536',
    })
  })
})
