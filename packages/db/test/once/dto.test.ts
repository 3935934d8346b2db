// The DTOs: every database rule, refused by zod before a write reaches Postgres. Pure zod, no
// database. The spec is the two tables below: a valid payload per schema, the changes it must
// still accept (boundaries) and those it must refuse, each with the field its issue names.
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { z } from 'zod'
import {
  addAddressInput,
  addCorporateUserInput,
  addressInsertSchema,
  addressSelectSchema,
  addressUpdateSchema,
  changeMemberRoleInput,
  chatRoomInsertSchema,
  chatRoomSelectSchema,
  chatRoomUpdateSchema,
  corporateUserInsertSchema,
  corporateUserSelectSchema,
  corporateUserUpdateSchema,
  createGroupRoomInput,
  createOrganizationInput,
  editMessageInput,
  embeddingInsertSchema,
  embeddingSelectSchema,
  embeddingUpdateSchema,
  generalUserInsertSchema,
  generalUserProfileInsertSchema,
  generalUserProfileSelectSchema,
  generalUserProfileUpdateSchema,
  generalUserSelectSchema,
  generalUserUpdateSchema,
  listMessagesInput,
  messageInsertSchema,
  messageSelectSchema,
  messageUpdateSchema,
  type NewAddress,
  type NewMessage,
  openPrivateRoomInput,
  organizationInsertSchema,
  organizationSelectSchema,
  organizationUpdateSchema,
  sendMessageInput,
  similarEmbeddingsInput,
  updateAddressInput,
  updateProfileInput,
  upsertEmbeddingInput,
  userChatInsertSchema,
  userChatSelectSchema,
  userChatUpdateSchema,
  validate,
  virtualUserChatInsertSchema,
  virtualUserChatSelectSchema,
  virtualUserChatUpdateSchema,
  virtualUserInsertSchema,
  virtualUserProfileInsertSchema,
  virtualUserProfileSelectSchema,
  virtualUserProfileUpdateSchema,
  virtualUserSelectSchema,
  virtualUserUpdateSchema,
} from '../../src/dto.ts'
import { ValidationError } from '../../src/errors/errors.ts'

type Payload = Record<string, unknown>
type Path = (string | number)[]
/** A change to the valid payload, and the path its issue must name ([] = the whole object). */
type Refused = [change: Payload, path: Path]

const USER = '11111111-1111-4111-8111-111111111111'
const OTHER = '22222222-2222-4222-8222-222222222222'
const cuid = (word: string) => word.padEnd(24, '0')
const ORG = cuid('org')
const ROOM = cuid('room')
const MSG = cuid('msg')
const ADDR = cuid('addr')
const VU = cuid('vu')
const NOW = new Date('2025-01-01T00:00:00.000Z')
const x = (n: number) => 'x'.repeat(n)
/** Code points, as `char_length` counts them: each is two UTF-16 units. */
const emoji = (n: number) => '😀'.repeat(n)
const httpUrl = (length: number) => `https://a.test/${x(length - 15)}`
const vector = (dims: number) => Array.from({ length: dims }, () => 0.1)
const vectorWith = (index: number, value: number) => {
  const v = vector(1536)
  v[index] = value
  return v
}
const uuids = (n: number) =>
  Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`)

type TableSpec = {
  select: z.ZodType
  insert: z.ZodType
  update: z.ZodType
  /** A complete row: what select parses, and a full insert. */
  row: Payload
  /** The smallest insert; leaving out any of its keys is refused by select and insert. */
  minimal: Payload
  /** Changes to the row that every schema accepts; an update accepts the change alone. */
  valid: Record<string, Payload>
  /** Changes every schema refuses: select and insert on the row, update on its own. */
  invalid: Record<string, Refused>
}

const tables: Record<string, TableSpec> = {
  organizations: {
    select: organizationSelectSchema,
    insert: organizationInsertSchema,
    update: organizationUpdateSchema,
    row: { id: ORG, name: 'Acme', slug: 'acme', createdAt: NOW, updatedAt: NOW },
    minimal: { name: 'Acme', slug: 'acme' },
    valid: {
      'slug of 2': { slug: 'ab' },
      'slug of 63': { slug: `a${'-b'.repeat(31)}` },
      'name of 100': { name: x(100) },
      'name of 100 emoji': { name: emoji(100) },
      'name padded with spaces': { name: '  Acme  ' },
    },
    invalid: {
      'slug of 1': [{ slug: 'a' }, ['slug']],
      'slug of 64': [{ slug: `a${'-b'.repeat(31)}c` }, ['slug']],
      'slug with a space': [{ slug: 'bad slug' }, ['slug']],
      'slug upper case': [{ slug: 'Acme' }, ['slug']],
      'slug leading hyphen': [{ slug: '-acme' }, ['slug']],
      'slug trailing hyphen': [{ slug: 'acme-' }, ['slug']],
      'slug double hyphen': [{ slug: 'ac--me' }, ['slug']],
      'name blank': [{ name: '   ' }, ['name']],
      'name of 101': [{ name: x(101) }, ['name']],
      'name of 101 emoji': [{ name: emoji(101) }, ['name']],
      'name with NUL': [{ name: 'Ac\0me' }, ['name']],
      'name a number': [{ name: 42 }, ['name']],
      'id not a cuid': [{ id: 'org-1' }, ['id']],
      'id of 23': [{ id: ORG.slice(1) }, ['id']],
      'id starting with a digit': [{ id: `1${ORG.slice(1)}` }, ['id']],
      'id upper case': [{ id: ORG.toUpperCase() }, ['id']],
    },
  },
  corporate_users: {
    select: corporateUserSelectSchema,
    insert: corporateUserInsertSchema,
    update: corporateUserUpdateSchema,
    row: {
      id: USER,
      organizationId: ORG,
      role: 'MEMBER',
      displayName: 'Bob',
      email: 'bob@acme.test',
      createdAt: NOW,
      updatedAt: NOW,
    },
    minimal: { id: USER, organizationId: ORG, displayName: 'Bob' },
    valid: {
      'role OWNER': { role: 'OWNER' },
      'no email': { email: null },
      'email without a dot, as the database allows': { email: 'ops@localhost' },
      'email of 320': { email: `${x(310)}@acme.test` },
    },
    invalid: {
      'role outside the enum': [{ role: 'KING' }, ['role']],
      'role lower case': [{ role: 'member' }, ['role']],
      'email without @': [{ email: 'not-an-email' }, ['email']],
      'email with two @': [{ email: 'a@b@c' }, ['email']],
      'email with a space': [{ email: 'a b@c' }, ['email']],
      'email of 321': [{ email: `${x(311)}@acme.test` }, ['email']],
      'display name blank': [{ displayName: ' ' }, ['displayName']],
      'id not a uuid': [{ id: 'bob' }, ['id']],
      'id not an RFC uuid': [{ id: '11111111-1111-1111-1111-111111111111' }, ['id']],
      'organization id not a cuid': [{ organizationId: USER }, ['organizationId']],
    },
  },
  general_users: {
    select: generalUserSelectSchema,
    insert: generalUserInsertSchema,
    update: generalUserUpdateSchema,
    row: {
      id: USER,
      displayName: 'Alice',
      accountName: 'alice_01',
      avatarUrl: 'https://cdn.test/a.png',
      createdAt: NOW,
      updatedAt: NOW,
    },
    minimal: { id: USER, displayName: 'Alice', accountName: 'alice_01' },
    valid: {
      'account name of 3': { accountName: 'abc' },
      'account name of 30': { accountName: 'a'.repeat(30) },
      'account name of digits and _': { accountName: '_0_9_' },
      'no avatar': { avatarUrl: null },
      'http avatar': { avatarUrl: 'http://cdn.test/a.png' },
      'avatar of 2048': { avatarUrl: httpUrl(2048) },
    },
    invalid: {
      'account name of 2': [{ accountName: 'ab' }, ['accountName']],
      'account name of 31': [{ accountName: 'a'.repeat(31) }, ['accountName']],
      'account name with a space': [{ accountName: 'has space' }, ['accountName']],
      'account name upper case': [{ accountName: 'Alice' }, ['accountName']],
      'account name with a hyphen': [{ accountName: 'ali-ce' }, ['accountName']],
      'account name with a newline': [{ accountName: 'alice\n' }, ['accountName']],
      'display name empty': [{ displayName: '' }, ['displayName']],
      'display name of 101': [{ displayName: x(101) }, ['displayName']],
      'display name null': [{ displayName: null }, ['displayName']],
      'avatar ftp': [{ avatarUrl: 'ftp://cdn.test/a.png' }, ['avatarUrl']],
      'avatar scheme upper case': [{ avatarUrl: 'HTTPS://cdn.test/a.png' }, ['avatarUrl']],
      'avatar without //': [{ avatarUrl: 'http:cdn.test/a.png' }, ['avatarUrl']],
      'avatar javascript:': [{ avatarUrl: 'javascript:alert(1)' }, ['avatarUrl']],
      'avatar without a host': [{ avatarUrl: 'http://' }, ['avatarUrl']],
      'avatar of 2049': [{ avatarUrl: httpUrl(2049) }, ['avatarUrl']],
    },
  },
  general_user_profiles: {
    select: generalUserProfileSelectSchema,
    insert: generalUserProfileInsertSchema,
    update: generalUserProfileUpdateSchema,
    row: {
      userId: USER,
      bio: 'Hi',
      birthday: '1990-05-17',
      website: 'https://alice.test',
      location: 'Tokyo',
      createdAt: NOW,
      updatedAt: NOW,
    },
    minimal: { userId: USER },
    valid: {
      'birthday 1900-01-01': { birthday: '1900-01-01' },
      'birthday on a leap day': { birthday: '2024-02-29' },
      'bio of 1000': { bio: x(1000) },
      'location of 100': { location: x(100) },
      'all empty': { bio: null, birthday: null, website: null, location: null },
    },
    invalid: {
      'birthday 1899-12-31': [{ birthday: '1899-12-31' }, ['birthday']],
      'birthday not a day': [{ birthday: '2023-02-29' }, ['birthday']],
      'birthday not ISO': [{ birthday: '17/05/1990' }, ['birthday']],
      'birthday with a time': [{ birthday: '1990-05-17T00:00:00Z' }, ['birthday']],
      'birthday a Date': [{ birthday: new Date('1990-05-17') }, ['birthday']],
      'bio of 1001': [{ bio: x(1001) }, ['bio']],
      'location of 101': [{ location: x(101) }, ['location']],
      'website without a scheme': [{ website: 'alice.test' }, ['website']],
      'user id not a uuid': [{ userId: 'alice' }, ['userId']],
    },
  },
  addresses: {
    select: addressSelectSchema,
    insert: addressInsertSchema,
    update: addressUpdateSchema,
    row: {
      id: ADDR,
      userId: USER,
      label: 'Home',
      postalCode: '100-0001',
      country: 'JP',
      region: 'Tokyo',
      city: 'Chiyoda',
      line1: '1-1 Chiyoda',
      line2: null,
      isDefault: true,
      createdAt: NOW,
      updatedAt: NOW,
    },
    minimal: { userId: USER, postalCode: '100-0001', country: 'JP', city: 'Chiyoda', line1: '1-1' },
    valid: {
      'label of 50': { label: x(50) },
      'postal code of 20': { postalCode: x(20) },
      'region of 100': { region: x(100) },
      'city of 100': { city: x(100) },
      'line1 of 200': { line1: x(200) },
      'line2 of 200': { line2: x(200) },
      'country US': { country: 'US' },
      'no optional parts': { label: null, region: null, line2: null },
    },
    invalid: {
      'country lower case': [{ country: 'jp' }, ['country']],
      'country not assigned': [{ country: 'XX' }, ['country']],
      'country alpha-3': [{ country: 'JPN' }, ['country']],
      'label of 51': [{ label: x(51) }, ['label']],
      'postal code blank': [{ postalCode: '  ' }, ['postalCode']],
      'postal code of 21': [{ postalCode: x(21) }, ['postalCode']],
      'region of 101': [{ region: x(101) }, ['region']],
      'city empty': [{ city: '' }, ['city']],
      'city of 101': [{ city: x(101) }, ['city']],
      'line1 of 201': [{ line1: x(201) }, ['line1']],
      'line2 of 201': [{ line2: x(201) }, ['line2']],
      'is default a string': [{ isDefault: 'yes' }, ['isDefault']],
    },
  },
  chat_rooms: {
    select: chatRoomSelectSchema,
    insert: chatRoomInsertSchema,
    update: chatRoomUpdateSchema,
    row: {
      id: ROOM,
      type: 'GROUP',
      name: 'Team',
      createdBy: USER,
      pairKey: null,
      createdAt: NOW,
      updatedAt: NOW,
    },
    minimal: { type: 'GROUP', name: 'Team' },
    valid: {
      'a private room': { type: 'PRIVATE', name: null, pairKey: `${USER}:${OTHER}` },
      'name of 100': { name: x(100) },
      'creator deleted': { createdBy: null },
    },
    invalid: {
      'group without a name': [{ type: 'GROUP', name: null }, ['name']],
      'group with a blank name': [{ type: 'GROUP', name: '   ' }, ['name']],
      'name of 101': [{ name: x(101) }, ['name']],
      'group with a pair key': [{ type: 'GROUP', pairKey: `${USER}:${OTHER}` }, ['pairKey']],
      'private without a pair key': [{ type: 'PRIVATE', pairKey: null }, ['pairKey']],
      'type outside the enum': [{ type: 'DIRECT' }, ['type']],
    },
  },
  user_chats: {
    select: userChatSelectSchema,
    insert: userChatInsertSchema,
    update: userChatUpdateSchema,
    row: { chatRoomId: ROOM, userId: USER, joinedAt: NOW, lastReadAt: null },
    minimal: { chatRoomId: ROOM, userId: USER },
    valid: { 'read up to now': { lastReadAt: NOW } },
    invalid: {
      'room id a uuid': [{ chatRoomId: USER }, ['chatRoomId']],
      'user id a cuid': [{ userId: ROOM }, ['userId']],
      'last read a string': [{ lastReadAt: '2025-01-01' }, ['lastReadAt']],
    },
  },
  messages: {
    select: messageSelectSchema,
    insert: messageInsertSchema,
    update: messageUpdateSchema,
    row: {
      id: MSG,
      chatRoomId: ROOM,
      senderUserId: USER,
      senderVirtualUserId: null,
      content: 'Hello',
      createdAt: NOW,
      editedAt: null,
    },
    minimal: { chatRoomId: ROOM, senderUserId: USER, content: 'Hello' },
    valid: {
      'content of 1': { content: 'x' },
      'content of 4000': { content: x(4000) },
      'content of 4000 emoji': { content: emoji(4000) },
      'content of 4000 inside whitespace': { content: ` \n${x(4000)}\t ` },
      'sent by a virtual user': { senderUserId: null, senderVirtualUserId: VU },
      edited: { editedAt: NOW },
    },
    invalid: {
      'content empty': [{ content: '' }, ['content']],
      'content whitespace': [{ content: ' \t\n\r\f\v ' }, ['content']],
      'content an ideographic space': [{ content: '\u3000' }, ['content']],
      'content of 4001': [{ content: x(4001) }, ['content']],
      'content with NUL': [{ content: 'a\0b' }, ['content']],
      'two senders': [{ senderUserId: USER, senderVirtualUserId: VU }, ['senderUserId']],
      'no sender': [{ senderUserId: null, senderVirtualUserId: null }, ['senderUserId']],
      'virtual sender not a cuid': [
        { senderUserId: null, senderVirtualUserId: 'bot' },
        ['senderVirtualUserId'],
      ],
      'room id not a cuid': [{ chatRoomId: 'room' }, ['chatRoomId']],
    },
  },
  virtual_users: {
    select: virtualUserSelectSchema,
    insert: virtualUserInsertSchema,
    update: virtualUserUpdateSchema,
    row: { id: VU, organizationId: ORG, name: 'Helper', createdAt: NOW, updatedAt: NOW },
    minimal: { name: 'Helper' },
    valid: {
      'provided by the app': { organizationId: null },
      'name of 100': { name: x(100) },
    },
    invalid: {
      'name blank': [{ name: ' ' }, ['name']],
      'name of 101': [{ name: x(101) }, ['name']],
      'organization id not a cuid': [{ organizationId: 'acme' }, ['organizationId']],
    },
  },
  virtual_user_profiles: {
    select: virtualUserProfileSelectSchema,
    insert: virtualUserProfileInsertSchema,
    update: virtualUserProfileUpdateSchema,
    row: {
      virtualUserId: VU,
      systemPrompt: 'Be kind.',
      model: 'gpt-4o-mini',
      temperature: 1,
      avatarUrl: null,
      createdAt: NOW,
      updatedAt: NOW,
    },
    minimal: { virtualUserId: VU },
    valid: {
      'temperature 0': { temperature: 0 },
      'temperature 2': { temperature: 2 },
      'temperature 0.7': { temperature: 0.7 },
      'system prompt of 20000': { systemPrompt: x(20_000) },
      'model of 100': { model: x(100) },
      'defaults for the model': { systemPrompt: null, model: null },
      'an avatar': { avatarUrl: 'https://cdn.test/bot.png' },
    },
    invalid: {
      'temperature below 0': [{ temperature: -0.01 }, ['temperature']],
      'temperature above 2': [{ temperature: 2.01 }, ['temperature']],
      'temperature NaN': [{ temperature: Number.NaN }, ['temperature']],
      'temperature a string': [{ temperature: '1' }, ['temperature']],
      'system prompt of 20001': [{ systemPrompt: x(20_001) }, ['systemPrompt']],
      'model blank': [{ model: '  ' }, ['model']],
      'model of 101': [{ model: x(101) }, ['model']],
      'avatar not a URL': [{ avatarUrl: 'bot.png' }, ['avatarUrl']],
    },
  },
  virtual_user_chats: {
    select: virtualUserChatSelectSchema,
    insert: virtualUserChatInsertSchema,
    update: virtualUserChatUpdateSchema,
    row: { chatRoomId: ROOM, virtualUserId: VU, joinedAt: NOW },
    minimal: { chatRoomId: ROOM, virtualUserId: VU },
    valid: {},
    invalid: {
      'room id a uuid': [{ chatRoomId: USER }, ['chatRoomId']],
      'virtual user id a uuid': [{ virtualUserId: USER }, ['virtualUserId']],
    },
  },
  embeddings: {
    select: embeddingSelectSchema,
    insert: embeddingInsertSchema,
    update: embeddingUpdateSchema,
    row: {
      id: 1,
      userId: USER,
      content: 'A note',
      contentHash: '3f1b5ad3d1d1c1e8a1b0f1e0c0f3a5b2',
      embedding: vector(1536),
      createdAt: NOW,
    },
    minimal: { userId: USER, content: 'A note', embedding: vector(1536) },
    valid: {
      'content of 100000': { content: x(100_000) },
      'content kept as embedded, spaces included': { content: ' ' },
      'largest float4': { embedding: vectorWith(0, 3.4028234663852886e38) },
      'below float4 precision (stored as 0)': { embedding: vectorWith(0, 1e-50) },
    },
    invalid: {
      'content empty': [{ content: '' }, ['content']],
      'content of 100001': [{ content: x(100_001) }, ['content']],
      '1535 dimensions': [{ embedding: vector(1535) }, ['embedding']],
      '1537 dimensions': [{ embedding: vector(1537) }, ['embedding']],
      'no dimensions': [{ embedding: [] }, ['embedding']],
      'a NaN': [{ embedding: vectorWith(7, Number.NaN) }, ['embedding', 7]],
      'an Infinity': [{ embedding: vectorWith(8, Number.POSITIVE_INFINITY) }, ['embedding', 8]],
      'a -Infinity': [{ embedding: vectorWith(9, Number.NEGATIVE_INFINITY) }, ['embedding', 9]],
      'beyond float4': [{ embedding: vectorWith(10, 1e39) }, ['embedding', 10]],
      'a string component': [{ embedding: [...vector(1535), '0.1'] }, ['embedding', 1535]],
    },
  },
}

type InputSpec = {
  schema: z.ZodType
  /** A payload the schema accepts. */
  base: Payload
  /** Changes it still accepts; `undefined` leaves a key out. */
  valid: Record<string, Payload>
  /** Changes it refuses, with the path of the issue. */
  invalid: Record<string, Refused>
}

const inputs: Record<string, InputSpec> = {
  updateProfileInput: {
    schema: updateProfileInput,
    base: { displayName: 'Alice' },
    valid: {
      'avatar removed': { avatarUrl: null },
      'bio cleared': { bio: null },
      'profile only': { displayName: undefined, birthday: '1900-01-01', website: 'http://a.test' },
      'location of 100': { location: x(100) },
    },
    invalid: {
      'nothing to update': [{ displayName: undefined }, []],
      'display name null': [{ displayName: null }, ['displayName']],
      'display name blank': [{ displayName: ' ' }, ['displayName']],
      'avatar not http(s)': [{ avatarUrl: 'data:image/png;base64,AAAA' }, ['avatarUrl']],
      'bio of 1001': [{ bio: x(1001) }, ['bio']],
      'birthday before 1900': [{ birthday: '1899-12-31' }, ['birthday']],
      'website ftp': [{ website: 'ftp://a.test' }, ['website']],
      'location of 101': [{ location: x(101) }, ['location']],
      'extra: account name': [{ accountName: 'alice' }, ['accountName']],
      'extra: user id': [{ userId: USER }, ['userId']],
    },
  },
  addAddressInput: {
    schema: addAddressInput,
    base: { postalCode: '100-0001', country: 'JP', city: 'Chiyoda', line1: '1-1' },
    valid: {
      'every field': { label: 'Home', region: 'Tokyo', line2: 'Apt 1', isDefault: true },
      'label null': { label: null },
    },
    invalid: {
      'city missing': [{ city: undefined }, ['city']],
      'country lower case': [{ country: 'jp' }, ['country']],
      'postal code of 21': [{ postalCode: x(21) }, ['postalCode']],
      'line1 blank': [{ line1: '  ' }, ['line1']],
      'extra: user id': [{ userId: USER }, ['userId']],
      'extra: id': [{ id: ADDR }, ['id']],
      'extra: created at': [{ createdAt: NOW }, ['createdAt']],
    },
  },
  updateAddressInput: {
    schema: updateAddressInput,
    base: { id: ADDR, city: 'Osaka' },
    valid: {
      'make it the default': { city: undefined, isDefault: true },
      'label removed': { label: null },
    },
    invalid: {
      'nothing to update': [{ city: undefined }, []],
      'id missing': [{ id: undefined }, ['id']],
      'id not a cuid': [{ id: 'addr-1' }, ['id']],
      'city empty': [{ city: '' }, ['city']],
      'extra: user id': [{ userId: USER }, ['userId']],
    },
  },
  createOrganizationInput: {
    schema: createOrganizationInput,
    base: { name: 'Acme', slug: 'acme' },
    valid: { 'slug of 63': { slug: x(63) } },
    invalid: {
      'name missing': [{ name: undefined }, ['name']],
      'slug of 1': [{ slug: 'a' }, ['slug']],
      'slug of 64': [{ slug: x(64) }, ['slug']],
      'extra: id': [{ id: ORG }, ['id']],
    },
  },
  addCorporateUserInput: {
    schema: addCorporateUserInput,
    base: { organizationId: ORG, memberId: USER, role: 'MEMBER', displayName: 'Bob' },
    valid: { 'with an email': { email: 'bob@acme.test' }, owner: { role: 'OWNER' } },
    invalid: {
      'role missing': [{ role: undefined }, ['role']],
      'role outside the enum': [{ role: 'KING' }, ['role']],
      'member id not a uuid': [{ memberId: 'bob' }, ['memberId']],
      'organization id not a cuid': [{ organizationId: USER }, ['organizationId']],
      'email null': [{ email: null }, ['email']],
      'email malformed': [{ email: 'bob' }, ['email']],
      'display name blank': [{ displayName: ' ' }, ['displayName']],
      'extra: id': [{ id: USER }, ['id']],
    },
  },
  changeMemberRoleInput: {
    schema: changeMemberRoleInput,
    base: { organizationId: ORG, memberId: USER, role: 'ADMIN' },
    valid: { 'to owner': { role: 'OWNER' } },
    invalid: {
      'role lower case': [{ role: 'admin' }, ['role']],
      'member id missing': [{ memberId: undefined }, ['memberId']],
      'organization id missing': [{ organizationId: undefined }, ['organizationId']],
      'extra: display name': [{ displayName: 'Bob' }, ['displayName']],
    },
  },
  sendMessageInput: {
    schema: sendMessageInput,
    base: { roomId: ROOM, content: 'Hi' },
    valid: {
      'content of 4000': { content: x(4000) },
      'content of 4000 emoji': { content: emoji(4000) },
    },
    invalid: {
      'content empty': [{ content: '' }, ['content']],
      'content blank': [{ content: '   ' }, ['content']],
      'content of 4001': [{ content: x(4001) }, ['content']],
      'content a number': [{ content: 42 }, ['content']],
      'room missing': [{ roomId: undefined }, ['roomId']],
      'extra: sender': [{ senderUserId: USER }, ['senderUserId']],
      'extra: id': [{ id: MSG }, ['id']],
      'extra: created at': [{ createdAt: NOW }, ['createdAt']],
    },
  },
  editMessageInput: {
    schema: editMessageInput,
    base: { id: MSG, content: 'Edited' },
    valid: {},
    invalid: {
      'id missing': [{ id: undefined }, ['id']],
      'content empty': [{ content: '' }, ['content']],
      'extra: room': [{ chatRoomId: ROOM }, ['chatRoomId']],
    },
  },
  createGroupRoomInput: {
    schema: createGroupRoomInput,
    base: { name: 'Team', memberIds: [OTHER] },
    valid: {
      'no members yet': { memberIds: [] },
      '100 members': { memberIds: uuids(100) },
      'name of 100': { name: x(100) },
    },
    invalid: {
      '101 members': [{ memberIds: uuids(101) }, ['memberIds']],
      'a member twice': [{ memberIds: [USER, OTHER, USER] }, ['memberIds', 2]],
      'a member twice, in two cases': [
        { memberIds: [OTHER, OTHER.toUpperCase()] },
        ['memberIds', 1],
      ],
      'a member not a uuid': [{ memberIds: ['bob'] }, ['memberIds', 0]],
      'members not a list': [{ memberIds: OTHER }, ['memberIds']],
      'name blank': [{ name: '  ' }, ['name']],
      'name of 101': [{ name: x(101) }, ['name']],
      'extra: type': [{ type: 'GROUP' }, ['type']],
      'extra: creator': [{ createdBy: USER }, ['createdBy']],
    },
  },
  openPrivateRoomInput: {
    schema: openPrivateRoomInput,
    base: { otherUserId: OTHER },
    valid: {},
    invalid: {
      'other user missing': [{ otherUserId: undefined }, ['otherUserId']],
      'other user not a uuid': [{ otherUserId: 'bob' }, ['otherUserId']],
      'extra: user id': [{ userId: USER }, ['userId']],
    },
  },
  listMessagesInput: {
    schema: listMessagesInput,
    base: { roomId: ROOM },
    valid: {
      'limit 1': { limit: 1 },
      'limit 100': { limit: 100 },
      'a cursor': { before: { createdAt: NOW, id: MSG } },
      'a cursor with an ISO time': { before: { createdAt: '2025-01-01T00:00:00.123Z', id: MSG } },
    },
    invalid: {
      'limit 0': [{ limit: 0 }, ['limit']],
      'limit 101': [{ limit: 101 }, ['limit']],
      'limit 1.5': [{ limit: 1.5 }, ['limit']],
      'limit a string': [{ limit: '10' }, ['limit']],
      'room id not a cuid': [{ roomId: 'room' }, ['roomId']],
      'cursor time not a date': [
        { before: { createdAt: 'yesterday', id: MSG } },
        ['before', 'createdAt'],
      ],
      'cursor without an id': [{ before: { createdAt: NOW } }, ['before', 'id']],
      'cursor with an extra key': [
        { before: { createdAt: NOW, id: MSG, offset: 5 } },
        ['before', 'offset'],
      ],
      'extra: offset': [{ offset: 5 }, ['offset']],
    },
  },
  upsertEmbeddingInput: {
    schema: upsertEmbeddingInput,
    base: { content: 'A note', embedding: vector(1536) },
    valid: { 'content of 100000': { content: x(100_000) } },
    invalid: {
      'content empty': [{ content: '' }, ['content']],
      '1535 dimensions': [{ embedding: vector(1535) }, ['embedding']],
      '1537 dimensions': [{ embedding: vector(1537) }, ['embedding']],
      'a NaN': [{ embedding: vectorWith(0, Number.NaN) }, ['embedding', 0]],
      'an Infinity': [
        { embedding: vectorWith(1535, Number.POSITIVE_INFINITY) },
        ['embedding', 1535],
      ],
      'beyond float4': [{ embedding: vectorWith(3, -1e39) }, ['embedding', 3]],
      'extra: user id': [{ userId: USER }, ['userId']],
    },
  },
  similarEmbeddingsInput: {
    schema: similarEmbeddingsInput,
    base: { embedding: vector(1536) },
    valid: { 'k 1': { k: 1 }, 'k 100': { k: 100 } },
    invalid: {
      'k 0': [{ k: 0 }, ['k']],
      'k 101': [{ k: 101 }, ['k']],
      'k 2.5': [{ k: 2.5 }, ['k']],
      'embedding missing': [{ embedding: undefined }, ['embedding']],
      '1535 dimensions': [{ embedding: vector(1535) }, ['embedding']],
      'a -Infinity': [{ embedding: vectorWith(5, Number.NEGATIVE_INFINITY) }, ['embedding', 5]],
      'extra: user id': [{ userId: USER }, ['userId']],
    },
  },
}

// ---------------------------------------------------------------------------------------------

/** Where each issue points; an unknown key is reported on the object, with the key aside. */
function issuePaths(schema: z.ZodType, payload: unknown): Path[] | 'accepted' {
  const result = schema.safeParse(payload)
  if (result.success) return 'accepted'
  return result.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => [...issue.path, key] as Path)
      : [issue.path as Path],
  )
}

/** Refused, and every issue names `path`: the change under test, not something else. */
function expectRefused(schema: z.ZodType, payload: unknown, path: Path) {
  const paths = issuePaths(schema, payload)
  expect(paths).not.toBe('accepted')
  for (const p of paths) expect(p.slice(0, path.length)).toEqual(path)
}

function expectAccepted(schema: z.ZodType, payload: unknown) {
  const result = schema.safeParse(payload)
  expect(result.error?.issues ?? []).toEqual([])
}

const without = (payload: Payload, key: string) => {
  const { [key]: _, ...rest } = payload
  return rest
}

for (const [table, spec] of Object.entries(tables)) {
  describe(`${table} select / insert / update schemas`, () => {
    it('accepts the row, a full insert, the minimal insert and an empty update', () => {
      expectAccepted(spec.select, spec.row)
      expectAccepted(spec.insert, spec.row)
      expectAccepted(spec.insert, spec.minimal)
      expectAccepted(spec.update, {})
    })

    it.each(Object.keys(spec.minimal))('select and insert refuse a row without %s', (key) => {
      expectRefused(spec.select, without(spec.row, key), [key])
      expectRefused(spec.insert, without(spec.minimal, key), [key])
    })

    it.each(Object.entries(spec.valid))('accepts %s', (_, change) => {
      expectAccepted(spec.select, { ...spec.row, ...change })
      expectAccepted(spec.insert, { ...spec.row, ...change })
      expectAccepted(spec.update, change)
    })

    it.each(Object.entries(spec.invalid))('refuses %s', (_, [change, path]) => {
      expectRefused(spec.select, { ...spec.row, ...change }, path)
      expectRefused(spec.insert, { ...spec.row, ...change }, path)
      expectRefused(spec.update, change, path)
    })
  })
}

for (const [name, spec] of Object.entries(inputs)) {
  describe(name, () => {
    it('accepts the base payload', () => expectAccepted(spec.schema, spec.base))

    it.each(Object.entries(spec.valid))('accepts %s', (_, change) => {
      expectAccepted(spec.schema, { ...spec.base, ...change })
    })

    it.each(Object.entries(spec.invalid))('refuses %s', (_, [change, path]) => {
      expectRefused(spec.schema, { ...spec.base, ...change }, path)
    })
  })
}

describe('what the DTOs hand on', () => {
  it('stores text trimmed, so the length Postgres checks is the one zod checked', () => {
    const parsed = sendMessageInput.parse({ roomId: ROOM, content: ' \n Hi \t' })
    expect(parsed.content).toBe('Hi')
    expect(addAddressInput.parse({ ...inputs.addAddressInput?.base, city: ' Osaka ' }).city).toBe(
      'Osaka',
    )
  })

  it('fills the defaults of limit and k, and turns a cursor time into a Date', () => {
    const page = listMessagesInput.parse({
      roomId: ROOM,
      before: { createdAt: '2025-01-01T00:00:00.123Z', id: MSG },
    })
    expect(page).toEqual({
      roomId: ROOM,
      limit: 50,
      before: { createdAt: expect.any(Date), id: MSG },
    })
    expect(page.before?.createdAt.getTime()).toBe(Date.parse('2025-01-01T00:00:00.123Z'))
    expect(similarEmbeddingsInput.parse({ embedding: vector(1536) }).k).toBe(10)
  })

  it('types inserts with the keys the database fills as optional', () => {
    // drizzle-zod 0.8.3 types a refined nullable column as required; insertOptional fixes it.
    const address: NewAddress = {
      userId: USER,
      postalCode: '1',
      country: 'JP',
      city: 'A',
      line1: 'B',
    }
    const message: NewMessage = { chatRoomId: ROOM, senderUserId: USER, content: 'Hi' }
    expectTypeOf<NewAddress['label']>().toEqualTypeOf<string | null | undefined>()
    expect(addressInsertSchema.parse(address)).toEqual(address)
    expect(messageInsertSchema.parse(message)).toEqual(message)
  })

  it('validate() throws a ValidationError carrying the issues and their paths', () => {
    let error: unknown
    try {
      validate(sendMessageInput, { roomId: ROOM, content: '' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual([['content']])
  })
})
