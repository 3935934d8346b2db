// The demo data, as plain rows: a pure function of (seed, scale). Every id and timestamp is
// drawn here rather than left to the database (generate_cuid(), now()), so the same seed gives
// the same content. Messages and embeddings are generated lazily: at benchmark scale they are
// millions of rows.
import { EMBEDDING_DIMENSIONS } from '../domains/ai/embeddings.ts'
import { pairKeyOf } from '../domains/chat/pair-key.ts'
import type * as tables from '../schema.ts'
import { countryCodes } from '../schema-kit/countries.ts'
import type { CorporateRole } from '../schema-kit/enums.ts'
import { createRng, cuid, type Rng, unitVector, uuid } from './random.ts'

export type SeedOptions = {
  /** Same seed, same content. Default 1. */
  seed?: number
  /** Multiplies every size (e.g. 5000 → 100k users, 1M messages). Default 1. */
  scale?: number
  /** Sizes to use instead of the scaled ones (e.g. `{ embeddings: 0 }` to load vectors apart). */
  sizes?: SeedSizeOverrides
}

/** The sizes one may set; corporate and virtual users follow from the organizations. */
export type SeedSizeOverrides = Partial<Omit<SeedSizes, 'corporateUsers' | 'virtualUsers'>>

/** How many rows of each kind a scale gives. */
export type SeedSizes = {
  /** General users: auth.users rows whose general_users rows the auth hook makes. */
  users: number
  organizations: number
  /** One OWNER, one ADMIN and one MEMBER per organization; auth users too. */
  corporateUsers: number
  /** One per organization, plus two that the app itself provides. */
  virtualUsers: number
  privateRooms: number
  groupRooms: number
  messages: number
  embeddings: number
  profiles: number
  addresses: number
}

export function seedSizes(scale = 1, overrides: SeedSizeOverrides = {}): SeedSizes {
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new RangeError('scale must be a positive number')
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`sizes.${key} must be a number ≥ 0, got ${value}`)
    }
  }
  const n = (key: keyof SeedSizeOverrides, base: number, min = 1) => {
    const value = overrides[key]
    return value === undefined ? Math.max(min, Math.round(base * scale)) : Math.round(value)
  }
  const users = n('users', 20, 2)
  const organizations = n('organizations', 2)
  const sizes: SeedSizes = {
    users,
    organizations,
    corporateUsers: organizations * corporateRolesPerOrganization.length,
    virtualUsers: organizations + 2,
    privateRooms: Math.min(n('privateRooms', 10), (users * (users - 1)) / 2),
    groupRooms: n('groupRooms', 4),
    messages: n('messages', 200),
    embeddings: n('embeddings', 20),
    // Half of the users fill in a profile, a third an address.
    profiles: Math.min(users, Math.round(overrides.profiles ?? Math.ceil(users / 2))),
    addresses: Math.min(users, Math.round(overrides.addresses ?? Math.ceil(users / 3))),
  }
  // What the generators need to terminate and to keep every row valid.
  const pairs = (sizes.users * (sizes.users - 1)) / 2
  if (
    overrides.privateRooms !== undefined &&
    sizes.privateRooms < Math.round(overrides.privateRooms)
  ) {
    throw new RangeError(`sizes.privateRooms: ${sizes.users} users make only ${pairs} pairs`)
  }
  if (sizes.messages > 0 && sizes.privateRooms + sizes.groupRooms === 0) {
    throw new RangeError('messages need rooms: sizes.privateRooms + sizes.groupRooms is 0')
  }
  if (sizes.users === 0 && sizes.groupRooms + sizes.embeddings > 0) {
    throw new RangeError('group rooms and embeddings need users: sizes.users is 0')
  }
  return sizes
}

/** An auth.users row as sign-up would make it; the metadata feeds the auth hook. */
/** An embedding with its id: embeddings.id is GENERATED ALWAYS, so only a seed sets it. */
export type SeedEmbeddingRow = (typeof tables.embeddings)['$inferInsert'] & { id: number }

export type SeedAuthUser = {
  id: string
  email: string
  createdAt: Date
  metadata: { account_name: string; display_name: string; avatar_url: string }
}

export type SeedPlan = {
  sizes: SeedSizes
  /** General users first, then the corporate users. */
  authUsers: SeedAuthUser[]
  generalUserProfiles: (typeof tables.generalUserProfiles)['$inferInsert'][]
  addresses: (typeof tables.addresses)['$inferInsert'][]
  organizations: (typeof tables.organizations)['$inferInsert'][]
  corporateUsers: (typeof tables.corporateUsers)['$inferInsert'][]
  virtualUsers: (typeof tables.virtualUsers)['$inferInsert'][]
  virtualUserProfiles: (typeof tables.virtualUserProfiles)['$inferInsert'][]
  chatRooms: (typeof tables.chatRooms)['$inferInsert'][]
  userChats: (typeof tables.userChats)['$inferInsert'][]
  virtualUserChats: (typeof tables.virtualUserChats)['$inferInsert'][]
  /** A fresh generator on every call, always yielding the same rows. */
  messages(): Generator<(typeof tables.messages)['$inferInsert']>
  /** Ids 1…n, given explicitly (the column is an identity) so they are the same every time. */
  /** With their ids: seeded ids are part of the content (inserted OVERRIDING SYSTEM VALUE). */
  embeddings(): Generator<SeedEmbeddingRow>
}

const corporateRolesPerOrganization: CorporateRole[] = ['OWNER', 'ADMIN', 'MEMBER']

/** A fixed clock: users and rooms before it, messages after it. */
const EPOCH = Date.UTC(2025, 0, 1)
const DAY = 86_400_000
const at = (ms: number) => new Date(ms)

export function planSeed(options: SeedOptions = {}): SeedPlan {
  const seed = options.seed ?? 1
  const sizes = seedSizes(options.scale ?? 1, options.sizes)
  const rng = (stream: string) => createRng(seed, stream)

  // General users, then corporate users: all of them auth users.
  const people = rng('users')
  const person = (index: number, domain?: string): SeedAuthUser => {
    const first = people.pick(firstNames)
    const last = people.pick(lastNames)
    const id = uuid(people)
    const number = index + 1
    const email = domain
      ? `${first}.${last}.${number}@${domain}`.toLowerCase()
      : `${first}.${last}.${number}@seed.example`.toLowerCase()
    return {
      id,
      email,
      createdAt: at(EPOCH - 90 * DAY + index * 60_000),
      metadata: {
        account_name: `${first}_${last}_${number}`.toLowerCase(),
        display_name: `${first} ${last}`,
        avatar_url: `https://avatars.seed.example/${id}.png`,
      },
    }
  }
  const generalUsers = Array.from({ length: sizes.users }, (_, i) => person(i))

  const details = rng('user-details')
  const generalUserProfiles = generalUsers.slice(0, sizes.profiles).map((u) => ({
    userId: u.id,
    bio: sentence(details, 6, 20),
    birthday: `${details.int(1950, 2005)}-${pad(details.int(1, 12))}-${pad(details.int(1, 28))}`,
    website: `https://${u.metadata.account_name.replace(/_/g, '-')}.seed.example`,
    location: details.pick(cities),
    createdAt: u.createdAt,
    updatedAt: u.createdAt,
  }))
  const addresses = generalUsers.slice(0, sizes.addresses).map((u) => ({
    id: cuid(details),
    userId: u.id,
    label: details.pick(['Home', 'Work', null]),
    postalCode: String(details.int(10_000, 99_999)),
    country: details.pick(countryCodes),
    region: null,
    city: details.pick(cities),
    line1: `${details.int(1, 999)} ${details.pick(streets)}`,
    line2: details.chance(0.3) ? `Apt ${details.int(1, 60)}` : null,
    isDefault: true,
    createdAt: u.createdAt,
    updatedAt: u.createdAt,
  }))

  // Organizations, their corporate users and virtual users.
  const orgs = rng('organizations')
  const organizations = Array.from({ length: sizes.organizations }, (_, i) => {
    const adjective = orgs.pick(orgAdjectives)
    const noun = orgs.pick(orgNouns)
    const createdAt = at(EPOCH - 120 * DAY + i * 60_000)
    return {
      id: cuid(orgs),
      name: `${adjective} ${noun} ${orgs.pick(orgSuffixes)}`,
      slug: `${adjective}-${noun}-${i + 1}`.toLowerCase(),
      createdAt,
      updatedAt: createdAt,
    }
  })
  const corporateAuthUsers: SeedAuthUser[] = []
  const corporateUsers = organizations.flatMap((org, o) =>
    corporateRolesPerOrganization.map((role, r) => {
      const user = person(
        sizes.users + o * corporateRolesPerOrganization.length + r,
        `${org.slug}.example`,
      )
      corporateAuthUsers.push(user)
      return {
        id: user.id,
        organizationId: org.id,
        role,
        displayName: user.metadata.display_name,
        email: user.email,
        createdAt: user.createdAt,
        updatedAt: user.createdAt,
      }
    }),
  )
  const bots = rng('virtual-users')
  const owners: (string | null)[] = [...organizations.map((o) => o.id), null, null]
  const virtualUsers = owners.map((organizationId, i) => {
    const createdAt = at(EPOCH - 100 * DAY + i * 60_000)
    return {
      id: cuid(bots),
      organizationId,
      name: `${bots.pick(botNames)} ${i + 1}`,
      createdAt,
      updatedAt: createdAt,
    }
  })
  const virtualUserProfiles = virtualUsers.map((v) => ({
    virtualUserId: v.id,
    systemPrompt: `You are ${v.name}, a ${bots.pick(botRoles)}. Answer briefly and kindly.`,
    model: bots.pick(['gpt-4o-mini', 'gpt-4.1-mini', 'text-model-small']),
    temperature: bots.pick([0, 0.3, 0.7, 1]),
    avatarUrl: `https://avatars.seed.example/bots/${v.id}.png`,
    createdAt: v.createdAt,
    updatedAt: v.createdAt,
  }))

  // Rooms and who is in them.
  const rooms = rng('rooms')
  const chatRooms: (typeof tables.chatRooms)['$inferInsert'][] = []
  const userChats: (typeof tables.userChats)['$inferInsert'][] = []
  const virtualUserChats: (typeof tables.virtualUserChats)['$inferInsert'][] = []
  /** Per room, who may send into it: the messages below come only from members. */
  const membersOf: { roomId: string; users: string[]; bots: string[]; createdAt: Date }[] = []
  const pairs = new Set<string>()
  while (pairs.size < sizes.privateRooms) {
    const a = rooms.pick(generalUsers).id
    const b = rooms.pick(generalUsers).id
    const pairKey = pairKeyOf(a, b)
    if (a === b || pairs.has(pairKey)) continue
    pairs.add(pairKey)
    const createdAt = at(EPOCH - 60 * DAY + rooms.int(0, 59 * DAY))
    const room = { id: cuid(rooms), type: 'PRIVATE' as const, name: null, createdBy: a, pairKey }
    chatRooms.push({ ...room, createdAt, updatedAt: createdAt })
    for (const userId of [a, b])
      userChats.push({ chatRoomId: room.id, userId, joinedAt: createdAt })
    membersOf.push({ roomId: room.id, users: [a, b], bots: [], createdAt })
  }
  for (let i = 0; i < sizes.groupRooms; i++) {
    const size = Math.min(rooms.int(3, 8), generalUsers.length)
    const members = new Set<string>()
    while (members.size < size) members.add(rooms.pick(generalUsers).id)
    const users = [...members]
    const createdAt = at(EPOCH - 60 * DAY + rooms.int(0, 59 * DAY))
    const id = cuid(rooms)
    chatRooms.push({
      id,
      type: 'GROUP',
      name: `${rooms.pick(groupTopics)} ${i + 1}`,
      createdBy: users[0] ?? null,
      pairKey: null,
      createdAt,
      updatedAt: createdAt,
    })
    for (const userId of users) userChats.push({ chatRoomId: id, userId, joinedAt: createdAt })
    const roomBots = rooms.chance(0.5) ? [rooms.pick(virtualUsers).id] : []
    for (const virtualUserId of roomBots) {
      virtualUserChats.push({ chatRoomId: id, virtualUserId, joinedAt: createdAt })
    }
    membersOf.push({ roomId: id, users, bots: roomBots, createdAt })
  }

  function* messages(): Generator<(typeof tables.messages)['$inferInsert']> {
    const r = rng('messages')
    for (let i = 0; i < sizes.messages; i++) {
      // Skewed: a few rooms hold most messages, as in a real chat (and a benchmark's hot room).
      const room = membersOf[Math.floor(membersOf.length * r.next() ** 2)]
      if (!room) throw new Error('seed: no rooms to put messages in')
      const fromBot = room.bots.length > 0 && r.chance(0.2)
      const createdAt = at(EPOCH + i * 30_000 + r.int(0, 29_999))
      yield {
        id: cuid(r),
        chatRoomId: room.roomId,
        senderUserId: fromBot ? null : r.pick(room.users),
        senderVirtualUserId: fromBot ? r.pick(room.bots) : null,
        content: sentence(r, 2, 24),
        createdAt,
        editedAt: r.chance(0.05) ? at(createdAt.getTime() + 60_000) : null,
      }
    }
  }

  function* embeddings(): Generator<SeedEmbeddingRow> {
    const r = rng('embeddings')
    const topics = rng('embedding-topics')
    const centers = embeddingTopics.map(() => unitVector(topics, EMBEDDING_DIMENSIONS))
    for (let i = 0; i < sizes.embeddings; i++) {
      const topic = r.int(0, embeddingTopics.length - 1)
      const user = generalUsers[i % generalUsers.length] as SeedAuthUser
      yield {
        id: i + 1,
        userId: user.id,
        // The number keeps each user's contents distinct (one embedding per content).
        content: `${embeddingTopics[topic]} note ${i + 1}: ${sentence(r, 6, 30)}`,
        embedding: unitVector(r, EMBEDDING_DIMENSIONS, centers[topic]),
        createdAt: at(EPOCH + i * 60_000),
      }
    }
  }

  return {
    sizes,
    authUsers: [...generalUsers, ...corporateAuthUsers],
    generalUserProfiles,
    addresses,
    organizations,
    corporateUsers,
    virtualUsers,
    virtualUserProfiles,
    chatRooms,
    userChats,
    virtualUserChats,
    messages,
    embeddings,
  }
}

const pad = (n: number) => String(n).padStart(2, '0')

function sentence(r: Rng, minWords: number, maxWords: number): string {
  const count = r.int(minWords, maxWords)
  const words = Array.from({ length: count }, () => r.pick(vocabulary))
  const text = words.join(' ')
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}${r.pick(['.', '.', '!', '?'])}`
}

/** Word lists, space-separated (a line per word would make this file mostly lists). */
const words = (list: string) => list.split(' ')
const firstNames = words(
  'Aiko Ben Carla Dev Elif Farid Grace Hiro Ines Jonas Kemi Liam Mei Nora Omar Priya Quinn Rosa Sven Tala Umar Vera Wen Xavi Yara Zoe',
)
const lastNames = words(
  'Abe Brooks Costa Dubois Eriksen Fischer Garcia Haddad Ito Jensen Kowalski Lopez Moreau Nakamura Okafor Petrov Rossi Silva Tanaka Weber Yilmaz Zhang',
)
const cities = words('Osaka Lisbon Nairobi Oslo Lima Pune Leeds Quebec')
const streets = ['Harbor Road', 'Maple Street', 'Station Ave', 'Hill Lane', 'River Walk']
const orgAdjectives = words('Blue Bright Cedar Copper North Quiet Swift')
const orgNouns = words('Harbor Field Forge Lantern Orbit Summit Willow')
const orgSuffixes = words('Labs Works Group Studio Systems')
const botNames = words('Ada Sage Echo Nova Iris Atlas')
const botRoles = ['support assistant', 'travel planner', 'study buddy', 'recipe helper']
const groupTopics = ['Hiking club', 'Book circle', 'Project', 'Weekend plans', 'Team']
const embeddingTopics = words(
  'travel cooking music finance gardening fitness history software movies parenting photography languages astronomy cycling coffee chess',
)
const vocabulary = words(
  'the a we you they meeting tomorrow today later coffee plan idea trip train weather great maybe sure thanks photo song recipe book chapter deadline review draft call lunch park walk new old quick question answer time place friday monday sounds good let us try again after before with without and or but',
)
