// Hostile strings through every text parameter of the query modules, on both lanes: each is
// stored and returned verbatim (as the DTO hands it on: trimmed where the field trims, cut to
// the field's length here so that it is valid; names cleaned as the database cleans them),
// read back both by the query functions and by plain SQL. Quotes, dollar quoting, comments and backslashes must stay data, never SQL.

/** The corpus: none contains U+0000 (Postgres text cannot), none starts or ends with a space. */
const hostile: Record<string, string> = {
  'single quotes': `O'Brien's ''doubled'' '`,
  'double quotes and backticks': '"quoted" ""twice"" `tick`',
  'dollar quoting': '$$ select 1 $$ $tag$ drop $tag$ $1 $2',
  comments: '-- not a comment /* nor this */ # nor this',
  'statement break': "'); drop table messages; --",
  backslashes: String.raw`C:\path\to \\server \' \0 \x41 \u0041 \n E'\\'`,
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template placeholder is the point
  'LIKE and format patterns': '100% _x_ %s %d %1$s ${name} {{x}} ?',
  'emoji and ZWJ sequences': '😀 👩‍👩‍👧‍👦 🏳️‍🌈 🇯🇵 🧑🏽‍💻',
  'right-to-left': '\u202Eevil\u202C مرحبا بالعالم שלום\u200F',
  'zero-width and invisible': 'a\u200Bb\u200Cc\u200Dd\uFEFFe\u2060f\u00ADg',
  'combining marks': 'e\u0301 Z\u0351\u0300\u0317\u0330 n\u0303',
  'NFC and NFD kept apart': 'caf\u00e9 / cafe\u0301',
  'CJK and astral planes': '山田太郎 𠮷野家 𝕳𝖊𝖑𝖑𝖔 \u{10FFFD}',
  'control characters': 'a\u0001b\u0007c\u001Bd\u007Fe\u0085f\u009Fg',
  'line breaks and tabs inside': 'line 1\nline 2\r\nline 3\tend',
  'noncharacters and replacement': 'x\uFFFD\uFFFE\uFFFFy',
  'JSON and escapes': '{"a":[1,null],"b":"\\u0000\\n"} \\\\',
  HTML: '<script>alert(1)</script><img src=x onerror=alert(1)>',
  'Latin-1 look-alikes': 'Ã©Ã¼ ÿ \u00A0nbsp inside',
  'everything at once': '',
}
hostile['everything at once'] = Object.values(hostile).join(' ')

/**
 * Every text parameter: `max` is the field's length in code points; `trimmed`: the DTO trims
 * it (embedding content does not: it is the text that was embedded). `write` stores the value
 * and returns it as the query function returned it, as SQL reads it, and as a listing query
 * function returns it.
 */
type Param = {
  param: string
  max: number
  trimmed: boolean
  /** Makes the hostile string a valid value of the field (an email needs its @ and no spaces). */
  prepare?: (value: string) => string
  /** What the DTO hands on, where it is more than trimming. */
  handsOn?: (value: string) => string
  write(value: string): Promise<{ returned: string; stored: string; listed: string }>
}
const parameters: Param[] = [
  {
    param: 'sendMessage content',
    max: 4000,
    trimmed: true,
    async write(content) {
      const m = await asUser(t.db, alice, (tx) =>
        sendMessage(tx, { userId: alice.id, roomId, content }),
      )
      const page = await asUser(t.db, alice, (tx) => listMessages(tx, { roomId, limit: 1 }))
      return {
        returned: m.content,
        stored: await one('select content as v from messages where id = $1', m.id),
        listed: page.messages[0]?.content ?? '',
      }
    },
  },
  {
    param: 'editMessage content',
    max: 4000,
    trimmed: true,
    async write(content) {
      const sent = await asUser(t.db, alice, (tx) =>
        sendMessage(tx, { userId: alice.id, roomId, content: 'to be edited' }),
      )
      const m = await asUser(t.db, alice, (tx) =>
        editMessage(tx, { userId: alice.id, id: sent.id, content }),
      )
      const rooms = await asUser(t.db, alice, (tx) => listMyRooms(tx, { userId: alice.id }))
      return {
        returned: m.content,
        stored: await one('select content as v from messages where id = $1', m.id),
        listed: rooms.find((r) => r.id === roomId)?.lastMessage?.content ?? '',
      }
    },
  },
  {
    param: 'postVirtualUserReply content',
    max: 4000,
    trimmed: true,
    async write(content) {
      const m = await asServiceRole(t.db, (tx) =>
        postVirtualUserReply(tx, { virtualUserId, roomId, content }),
      )
      const page = await asUser(t.db, alice, (tx) => listMessages(tx, { roomId, limit: 1 }))
      return {
        returned: m.content,
        stored: await one('select content as v from messages where id = $1', m.id),
        listed: page.messages[0]?.content ?? '',
      }
    },
  },
  {
    param: 'createGroupRoom name',
    max: 100,
    trimmed: true,
    async write(name) {
      const room = await asUser(t.db, alice, (tx) =>
        createGroupRoom(tx, { userId: alice.id, name, memberIds: [] }),
      )
      const rooms = await asUser(t.db, alice, (tx) => listMyRooms(tx, { userId: alice.id }))
      return {
        returned: room.name ?? '',
        stored: await one('select name as v from chat_rooms where id = $1', room.id),
        listed: rooms.find((r) => r.id === room.id)?.name ?? '',
      }
    },
  },
  ...(['displayName', 'bio', 'location'] as const).map(
    (field): Param => ({
      param: `updateMyProfile ${field}`,
      max: field === 'bio' ? 1000 : 100,
      trimmed: true,
      async write(value) {
        const result = await asUser(t.db, alice, (tx) =>
          updateMyProfile(tx, { userId: alice.id, [field]: value }),
        )
        const column = { displayName: 'display_name', bio: 'bio', location: 'location' }[field]
        const table = field === 'displayName' ? 'general_users' : 'general_user_profiles'
        const key = field === 'displayName' ? 'id' : 'user_id'
        const again = await asUser(t.db, bob, (tx) => getGeneralUser(tx, { id: alice.id }))
        return {
          returned: String(
            field === 'displayName' ? result.user.displayName : result.profile?.[field],
          ),
          stored: await one(`select ${column} as v from ${table} where ${key} = $1`, alice.id),
          listed: field === 'displayName' ? again.displayName : String(result.profile?.[field]),
        }
      },
    }),
  ),
  ...(['avatarUrl', 'website'] as const).map(
    (field): Param => ({
      param: `updateMyProfile ${field} (the path of an https URL)`,
      max: 2000,
      trimmed: true,
      // URL parsers ignore tabs and newlines (WHATWG): zod's url() drops them.
      handsOn: (value) => httpUrlSchema.parse(`https://example.com/${value}`).slice(20),
      async write(value) {
        const url = `https://example.com/${value}`
        const result = await asUser(t.db, alice, (tx) =>
          updateMyProfile(tx, { userId: alice.id, [field]: url }),
        )
        const column = field === 'avatarUrl' ? 'avatar_url' : 'website'
        const table = field === 'avatarUrl' ? 'general_users' : 'general_user_profiles'
        const key = field === 'avatarUrl' ? 'id' : 'user_id'
        const returned =
          field === 'avatarUrl' ? result.user.avatarUrl : (result.profile?.website ?? null)
        const strip = (v: string | null | undefined) =>
          String(v).replace('https://example.com/', '')
        return {
          returned: strip(returned),
          stored: strip(
            await one(`select ${column} as v from ${table} where ${key} = $1`, alice.id),
          ),
          listed: strip(returned),
        }
      },
    }),
  ),
  ...(['label', 'postalCode', 'region', 'city', 'line1', 'line2'] as const).map(
    (field): Param => ({
      param: `addAddress ${field}`,
      max: { label: 50, postalCode: 20, region: 100, city: 100, line1: 200, line2: 200 }[field],
      trimmed: true,
      async write(value) {
        const address = await asUser(t.db, alice, (tx) =>
          addAddress(tx, { userId: alice.id, ...home, [field]: value }),
        )
        const column = field === 'postalCode' ? 'postal_code' : field
        const all = await asUser(t.db, alice, (tx) => listAddresses(tx, { userId: alice.id }))
        return {
          returned: String(address[field]),
          stored: await one(`select ${column} as v from addresses where id = $1`, address.id),
          listed: String(all.find((a) => a.id === address.id)?.[field]),
        }
      },
    }),
  ),
  {
    param: 'updateAddress city',
    max: 100,
    trimmed: true,
    async write(city) {
      const added = await asUser(t.db, alice, (tx) => addAddress(tx, { userId: alice.id, ...home }))
      const address = await asUser(t.db, alice, (tx) =>
        updateAddress(tx, { userId: alice.id, id: added.id, city }),
      )
      const all = await asUser(t.db, alice, (tx) => listAddresses(tx, { userId: alice.id }))
      return {
        returned: address.city,
        stored: await one('select city as v from addresses where id = $1', address.id),
        listed: all.find((a) => a.id === address.id)?.city ?? '',
      }
    },
  },
  ...(['name', 'ownerDisplayName'] as const).map(
    (field): Param => ({
      param: `createOrganization ${field}`,
      max: 100,
      trimmed: true,
      async write(value) {
        const owner = await createTestUser(t.db)
        const { organization, owner: member } = await asServiceRole(t.db, (tx) =>
          createOrganization(tx, {
            name: 'Org',
            slug: `org-${++serial}`,
            ownerId: owner.id,
            ownerDisplayName: 'Owner',
            [field]: value,
          }),
        )
        const members = await listMembers(t.db, { organizationId: organization.id })
        return field === 'name'
          ? {
              returned: organization.name,
              stored: await one(
                'select name as v from organizations where id = $1',
                organization.id,
              ),
              listed: organization.name,
            }
          : {
              returned: member.displayName,
              stored: await one(
                'select display_name as v from corporate_users where id = $1',
                owner.id,
              ),
              listed: members[0]?.displayName ?? '',
            }
      },
    }),
  ),
  {
    param: 'addCorporateUser displayName',
    max: 100,
    trimmed: true,
    async write(displayName) {
      const user = await createTestUser(t.db)
      const member = await asServiceRole(t.db, (tx) =>
        addCorporateUser(tx, { organizationId, memberId: user.id, role: 'MEMBER', displayName }),
      )
      const members = await listMembers(t.db, { organizationId })
      return {
        returned: member.displayName,
        stored: await one('select display_name as v from corporate_users where id = $1', user.id),
        listed: members.find((m) => m.id === user.id)?.displayName ?? '',
      }
    },
  },
  {
    // Without whitespace, @ and control characters: what Postgres' `\s` matches differs by
    // lane (PGlite's includes U+0085), so those are left out of an email.
    param: 'addCorporateUser email (the local part, without spaces, @ or controls)',
    max: 300,
    trimmed: true,
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
    prepare: (value) => value.replace(/[\s@\u0000-\u001f\u007f-\u009f]/g, ''),
    async write(value) {
      const user = await createTestUser(t.db)
      const email = `${value}@example.com`
      const member = await asServiceRole(t.db, (tx) =>
        addCorporateUser(tx, {
          organizationId,
          memberId: user.id,
          role: 'MEMBER',
          displayName: 'M',
          email,
        }),
      )
      const members = await listMembers(t.db, { organizationId })
      const local = (v: string | null | undefined) => String(v).replace(/@example\.com$/, '')
      return {
        returned: local(member.email),
        stored: local(await one('select email as v from corporate_users where id = $1', user.id)),
        listed: local(members.find((m) => m.id === user.id)?.email),
      }
    },
  },
  {
    param: 'upsertEmbedding content',
    max: 100_000,
    trimmed: false,
    async write(content) {
      const row = await asUser(t.db, alice, (tx) =>
        upsertEmbedding(tx, { userId: alice.id, content, embedding: unit(++serial) }),
      )
      const [nearest] = await asUser(t.db, alice, (tx) =>
        similarForUser(tx, { userId: alice.id, embedding: unit(serial), k: 1 }),
      )
      return {
        returned: row.content,
        stored: await one('select content as v from embeddings where id = $1', row.id),
        listed: nearest?.content ?? '',
      }
    },
  },
  {
    param: 'insertEmbeddings content',
    max: 100_000,
    trimmed: false,
    async write(content) {
      await insertEmbeddings(t.db, {
        rows: [{ userId: bob.id, content, embedding: unit(++serial) }],
      })
      const [nearest] = await similarForUser(t.db, {
        userId: bob.id,
        embedding: unit(serial),
        k: 1,
      })
      return {
        returned: nearest?.content ?? '',
        stored: await one('select content as v from embeddings where id = $1', nearest?.id),
        listed: nearest?.content ?? '',
      }
    },
  },
]

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EMBEDDING_DIMENSIONS } from '../../src/domains/ai/embeddings.ts'
import { httpUrlSchema } from '../../src/dto-kit/validation.ts'
import { ValidationError } from '../../src/errors/errors.ts'
import {
  addAddress,
  addCorporateUser,
  copyEmbeddings,
  createGroupRoom,
  createOrganization,
  editMessage,
  getGeneralUser,
  getGeneralUserByAccountName,
  insertEmbeddings,
  listAddresses,
  listMembers,
  listMessages,
  listMyRooms,
  postVirtualUserReply,
  sendMessage,
  similarForUser,
  updateAddress,
  updateMyProfile,
  upsertEmbedding,
} from '../../src/queries.ts'
import { userChats, virtualUserChats, virtualUsers } from '../../src/schema.ts'
import { asServiceRole, asUser, createTestUser, type TestUser } from '../../src/testing/index.ts'
import { itOnServer, lane, openTestDatabase, type TestDatabase } from '../lanes.ts'

let t: TestDatabase
let alice: TestUser
let bob: TestUser
let roomId: string
let organizationId: string
let virtualUserId: string
let serial = 0
const home = { postalCode: '100-0001', country: 'JP' as const, city: 'Tokyo', line1: '1-1' }

/** A distinct unit vector per call: its nearest neighbour is the row written with it. */
const unit = (n: number) =>
  Array.from({ length: EMBEDDING_DIMENSIONS }, (_, i) => (i === n % EMBEDDING_DIMENSIONS ? 1 : 0))

async function one(query: string, param: unknown): Promise<string> {
  const [row] = await t.sql.query<{ v: string | null }>(query, [param])
  return String(row?.v)
}

/** The hostile string made a valid value of the field: prepared, cut to `max` code points. */
const valueFor = (value: string, spec: Param) =>
  Array.from(spec.prepare ? spec.prepare(value) : value)
    .slice(0, spec.max)
    .join('')

/** What the DTO hands on for that value: trimmed where the field trims. */
/**
 * Names are cleaned by the database on every write (private.clean_name): control, zero-width
 * and bidi-override characters go, runs of spaces become one, the ends are trimmed. The rule,
 * restated here so the corpus checks it character by character.
 */
const names = new Set([
  'createGroupRoom name',
  'updateMyProfile displayName',
  'createOrganization name',
  'createOrganization ownerDisplayName',
  'addCorporateUser displayName',
])
const cleanName = (value: string) =>
  value
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the rule
    .replace(/[\u0001-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g, '')
    .replace(/[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g, ' ')
    .replace(/^ +| +$/g, '')

function expected(value: string, spec: Param) {
  if (spec.handsOn) return spec.handsOn(value)
  const handed = spec.trimmed ? value.trim() : value
  return names.has(spec.param) ? cleanName(handed) : handed
}

beforeAll(async () => {
  t = await openTestDatabase()
  alice = await createTestUser(t.db, { metadata: { account_name: 'alice' } })
  bob = await createTestUser(t.db, { metadata: { account_name: 'bob' } })
  const room = await asUser(t.db, alice, (tx) =>
    createGroupRoom(tx, { userId: alice.id, name: 'Hostile', memberIds: [bob.id] }),
  )
  roomId = room.id
  const owner = await createTestUser(t.db)
  const created = await asServiceRole(t.db, (tx) =>
    createOrganization(tx, {
      name: 'Acme',
      slug: 'acme',
      ownerId: owner.id,
      ownerDisplayName: 'O',
    }),
  )
  organizationId = created.organization.id
  const [vu] = await t.db.insert(virtualUsers).values({ name: 'Bot' }).returning()
  virtualUserId = vu?.id as string
  await t.db.insert(virtualUserChats).values({ chatRoomId: roomId, virtualUserId })
  expect(await t.db.$count(userChats)).toBe(2)
})
afterAll(() => t?.close())

describe(`hostile strings through every query parameter (${lane})`, () => {
  it.each(parameters)('$param: stored and returned verbatim', async (spec) => {
    for (const [name, value] of Object.entries(hostile)) {
      const valid = valueFor(value, spec)
      const want = expected(valid, spec)
      const got = await spec.write(valid)
      expect({ case: name, ...got }).toEqual({
        case: name,
        returned: want,
        stored: want,
        listed: want,
      })
    }
  })

  itOnServer('copyEmbeddings content: stored verbatim through binary COPY', async () => {
    const values = Object.values(hostile)
    const rows = values.map((content, i) => ({
      userId: bob.id,
      content: `copy ${i}: ${content}`,
      embedding: unit(++serial),
    }))
    expect(await copyEmbeddings(t.db, rows)).toBe(rows.length)
    const stored = await t.sql.query<{ content: string }>(
      `select content from embeddings where user_id = $1 and content like 'copy %' order by id`,
      [bob.id],
    )
    expect(stored.map((r) => r.content)).toEqual(rows.map((r) => r.content))
  })

  it('a hostile lookup value is a ValidationError naming the field, never a database error', async () => {
    for (const value of Object.values(hostile)) {
      const error = await getGeneralUserByAccountName(t.db, { accountName: value }).catch(
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).issues[0]?.path).toEqual(['accountName'])
    }
  })

  it('text that is not valid Unicode (a lone surrogate) is refused, not stored as U+FFFD', async () => {
    for (const content of ['a\uD800b', 'end \uD83D', '\uDE00 start']) {
      const error = await asUser(t.db, alice, (tx) =>
        sendMessage(tx, { userId: alice.id, roomId, content }),
      ).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).issues[0]?.path).toEqual(['content'])
    }
    const error = await asUser(t.db, alice, (tx) =>
      updateMyProfile(tx, { userId: alice.id, displayName: 'Al\uDC00ice' }),
    ).catch((e: unknown) => e)
    expect((error as ValidationError).issues?.[0]?.path).toEqual(['displayName'])
  })
})
