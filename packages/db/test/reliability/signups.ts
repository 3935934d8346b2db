// Hostile sign-ups: generated auth.users rows whose metadata is everything a sign-up form (or
// an attacker calling the Auth API) can send, and the invariants the auth hook must keep. The
// same seed gives the same sign-ups, so a failure reproduces. Used by the fast suite (a few
// hundred) and by test:stress (10,000, also from 8 connections at once).
import postgres from 'postgres'
import type { SqlRunner } from '../../src/migrations/sql-runner.ts'
import { goTrueUserInsert } from '../gotrue.ts'
import { prng } from '../vectors.ts'

export type Signup = { kind: string; email: string | null; metadata: unknown }

/** Not generated: jsonb refuses `\u0000` and lone surrogates, so Auth fails before the hook. */
const pick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)] as T

const emoji = ['😀', '👩‍👩‍👧‍👦', '🏳️‍🌈', '🇯🇵', '🦄', '𝕳', '🧑🏽‍💻']
const rtl = ['\u202E', '\u202B', '\u200F', 'مرحبا', 'שלום']
const invisible = ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\u034F']
const control = ['\u0001', '\u0007', '\u001B', '\u007F', '\u0085', '\u2028', '\r\n', '\t']
const sqlMeta = [
  "'",
  '"',
  '`',
  ';',
  '--',
  '/*',
  '*/',
  '$$',
  '$tag$',
  '\\',
  '\\0',
  '%',
  '_',
  "'); drop table general_users; --",
  "' or '1'='1",
]
const scripts = [
  '山田太郎',
  'Ωμέγα',
  'Ĳsselmeer',
  'İstanbul',
  'straße',
  'K',
  'ﬁ',
  'Ａｄｍｉｎ',
  'e\u0301',
]
/** The same few names again and again: most of these sign-ups collide. */
const popular = ['John Doe', 'Same Name', 'admin', 'user', 'test', 'alice', 'support']

/** 'john doe' written differently: every one normalizes to the account name `john_doe`. */
function johnDoe(random: () => number): string {
  const sep = pick(random, [' ', '.', '-', '_', '  ', ' - ', '!', '·', '😀', '\u200B', '...'])
  const word = (w: string) => Array.from(w, (c) => (random() < 0.5 ? c.toUpperCase() : c)).join('')
  const pad = () => pick(random, ['', ' ', '_', '__', '.', '-', '\t'])
  return `${pad()}${word('john')}${sep}${word('doe')}${pad()}`
}

function junk(random: () => number, length: number): string {
  const parts = [emoji, rtl, invisible, control, sqlMeta, scripts, ['a', 'B', '7', ' ', '_']]
  let text = ''
  while (text.length < length) text += pick(random, pick(random, parts))
  return text
}

function hostileText(random: () => number): string {
  switch (Math.floor(random() * 9)) {
    case 0:
      return ''
    case 1:
      return pick(random, ['   ', '\t\n', '\u3000', '\u00A0'])
    case 2:
      return 'x'.repeat(10_240)
    case 3:
      return junk(random, 10_240)
    case 4:
      return junk(random, 1 + Math.floor(random() * 40))
    case 5:
      return `${pick(random, emoji)} ${pick(random, rtl)}name${pick(random, invisible)}`
    case 6:
      return pick(random, sqlMeta) + pick(random, popular) + pick(random, sqlMeta)
    case 7:
      return pick(random, scripts)
    default:
      return invisible.join('')
  }
}

const nonString = [null, 0, 42, -1.5, true, false, [], ['a'], {}, { first: 'A' }, [{ name: 'x' }]]
const nameKeys = [
  'account_name',
  'user_name',
  'preferred_username',
  'name',
  'full_name',
  'display_name',
]

function hostileObject(random: () => number, kind: string): Record<string, unknown> {
  const meta: Record<string, unknown> = {}
  for (const key of nameKeys) {
    const roll = random()
    if (roll < 0.35) continue
    if (kind === 'popular') meta[key] = pick(random, popular)
    else if (kind === 'normalized') meta[key] = johnDoe(random)
    else if (roll < 0.5) meta[key] = pick(random, nonString)
    else meta[key] = hostileText(random)
  }
  const avatar = random()
  if (avatar < 0.2) meta.avatar_url = `https://cdn.example/${junk(random, 8)}.png`
  else if (avatar < 0.3) meta.avatar_url = pick(random, ['javascript:alert(1)', 'HTTP://x.example'])
  else if (avatar < 0.35) meta.picture = `https://${'a'.repeat(2100)}.example`
  else if (avatar < 0.4) meta.avatar_url = pick(random, nonString)
  if (random() < 0.2) meta[junk(random, 6)] = hostileText(random) // a key nobody expects
  return meta
}

// Each distinct: auth.users keeps one account per email (GoTrue's users_email_partial_key), so
// a repeated one fails in Supabase Auth's own index, not in the hook.
function hostileEmail(random: () => number, i: string): string | null {
  switch (Math.floor(random() * 8)) {
    case 0:
      return null
    case 1:
      return `  padded.${i}@example.com  `
    case 2:
      return `${pick(random, ["o'brien", '"quoted"', 'a+tag', 'ünïcødé', '😀', '--'])}.${i}@example.com`
    case 3:
      return `${pick(random, ['@', '@example.com', 'no-at-sign', 'ab@x', 'a@b@c'])}.${i}`
    case 4: // varchar(255): the longest an email can be
      return `${'e'.repeat(255 - `.${i}@x.example`.length)}.${i}@x.example`
    case 5:
      return `${pick(random, popular).replace(/ /g, '.')}.${i}@example.com`
    default:
      return `user${i}@example.com`
  }
}

/** The kinds of sign-up, one per case of the issue; `sample` cycles through them. */
export const signupKinds = [
  'no metadata',
  'JSON null',
  'JSON array',
  'JSON string',
  'JSON number or boolean',
  'empty strings',
  'hostile strings',
  'popular',
  'normalized',
] as const

export function hostileSignups(count: number, seed: number): Signup[] {
  const random = prng(seed)
  return Array.from({ length: count }, (_, i) => {
    const kind = signupKinds[i % signupKinds.length] as string
    // The seed in the email too: two corpora signed up into one database never share one.
    const email = hostileEmail(random, `${seed}-${i}`)
    switch (kind) {
      case 'no metadata':
        return { kind, email, metadata: undefined }
      case 'JSON null':
        return { kind, email, metadata: null }
      case 'JSON array':
        return { kind, email, metadata: [hostileText(random), { name: 'x' }] }
      case 'JSON string':
        return { kind, email, metadata: hostileText(random) }
      case 'JSON number or boolean':
        return { kind, email, metadata: pick(random, [0, 1e308, -1, true, false]) }
      case 'empty strings':
        return { kind, email, metadata: Object.fromEntries(nameKeys.map((k) => [k, ''])) }
      default:
        return { kind, email, metadata: hostileObject(random, kind) }
    }
  })
}

export type SignupFailure = { index: number; kind: string; error: string }
export type SignupRun = {
  failures: SignupFailure[]
  /** The auth.users id of each sign-up, by index (undefined where the insert failed). */
  ids: (string | undefined)[]
  ms: number
  perSecond: number
}

const params = (s: Signup) => [
  s.email,
  s.metadata === undefined ? null : JSON.stringify(s.metadata),
]

/** One insert per sign-up, each its own transaction, one after another (any lane). */
export async function signUpInOrder(db: SqlRunner, signups: Signup[]): Promise<SignupRun> {
  const started = performance.now()
  const failures: SignupFailure[] = []
  const ids: (string | undefined)[] = []
  for (const [index, s] of signups.entries()) {
    try {
      ids[index] = await db.transaction(async (tx) => {
        await tx.exec('set local role supabase_auth_admin')
        return (await tx.query<{ id: string }>(goTrueUserInsert, params(s)))[0]?.id
      })
    } catch (error) {
      failures.push({ index, kind: s.kind, error: String(error) })
    }
  }
  return summary(failures, ids, signups.length, started)
}

/** The same from `connections` connections at once (server lane): a pool, each its own insert. */
export async function signUpConcurrently(
  url: string,
  signups: Signup[],
  connections: number,
): Promise<SignupRun> {
  const sql = postgres(url, { max: connections, onnotice: () => {} })
  const started = performance.now()
  const failures: SignupFailure[] = []
  const ids: (string | undefined)[] = []
  let next = 0
  try {
    const worker = async () => {
      for (let index = next++; index < signups.length; index = next++) {
        const s = signups[index] as Signup
        try {
          ids[index] = await sql.begin(async (tx) => {
            await tx.unsafe('set local role supabase_auth_admin')
            const rows = await tx.unsafe<{ id: string }[]>(
              goTrueUserInsert,
              params(s) as postgres.ParameterOrJSON<never>[],
            )
            return rows[0]?.id
          })
        } catch (error) {
          failures.push({ index, kind: s.kind, error: String(error) })
        }
      }
    }
    await Promise.all(Array.from({ length: connections }, worker))
  } finally {
    await sql.end({ timeout: 5 })
  }
  return summary(failures, ids, signups.length, started)
}

function summary(
  failures: SignupFailure[],
  ids: (string | undefined)[],
  count: number,
  started: number,
): SignupRun {
  const ms = performance.now() - started
  return { failures, ids, ms: Math.round(ms), perSecond: Math.round((count / ms) * 1000) }
}

export type SignupState = {
  users: number
  /** auth.users rows without a general_users row. */
  withoutProfile: number
  duplicateAccountNames: number
  /** Account names that do not match ^[a-z0-9_]{3,30}$ (checked here, not by the database). */
  badAccountNames: string[]
  /** Display names blank, too long, or with control / zero-width / bidi characters. */
  badDisplayNames: string[]
}

const accountName = /^[a-z0-9_]{3,30}$/
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const unclean = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/

export async function signupState(db: SqlRunner): Promise<SignupState> {
  const [counts] = await db.query<{ users: number; without: number; dupes: number }>(`
    select (select count(*)::int from auth.users) as users,
      (select count(*)::int from auth.users u
        where not exists (select 1 from public.general_users g where g.id = u.id)) as without,
      (select (count(*) - count(distinct account_name))::int from public.general_users) as dupes`)
  const rows = await db.query<{ account_name: string; display_name: string }>(
    'select account_name, display_name from public.general_users',
  )
  return {
    users: counts?.users ?? 0,
    withoutProfile: counts?.without ?? -1,
    duplicateAccountNames: counts?.dupes ?? -1,
    badAccountNames: rows.map((r) => r.account_name).filter((n) => !accountName.test(n)),
    badDisplayNames: rows
      .map((r) => r.display_name)
      .filter((d) => {
        const length = Array.from(d.trim()).length
        return length < 1 || length > 100 || unclean.test(d)
      }),
  }
}

const accountNameKeys = ['account_name', 'user_name', 'preferred_username', 'name', 'full_name']

/**
 * The account name the hook should derive from ASCII metadata (its rules, in JS): the first
 * name key that normalizes to 3+ characters. Only for the kinds whose names are ASCII-only
 * ('popular', 'normalized'), where JS and Postgres lower-case alike.
 */
export function expectedBase(s: Signup): string | undefined {
  if (s.kind !== 'popular' && s.kind !== 'normalized') return undefined
  const meta = s.metadata as Record<string, unknown>
  for (const key of accountNameKeys) {
    const value = meta[key]
    if (typeof value !== 'string') continue
    const base = value
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 30)
    if (base.length >= 3) return base
  }
  return undefined
}

/**
 * Sign-ups whose usable name was not kept recognisably: the account name must be the name
 * itself or, when taken, its first 23 characters + '_' + 6 hex digits.
 */
export async function namesNotKept(db: SqlRunner, signups: Signup[], run: SignupRun) {
  const wanted = signups.flatMap((s, index) => {
    const base = expectedBase(s)
    const id = run.ids[index]
    return base && id ? [{ id, base }] : []
  })
  const rows = await db.query<{ id: string; account_name: string }>(
    'select id::text as id, account_name from public.general_users where id = any($1::uuid[])',
    [wanted.map((w) => w.id)],
  )
  const byId = new Map(rows.map((r) => [r.id, r.account_name]))
  return {
    checked: wanted.length,
    notKept: wanted
      .map((w) => ({ ...w, got: byId.get(w.id) }))
      .filter(
        ({ base, got }) =>
          got !== base && !new RegExp(`^${base.slice(0, 23)}_[0-9a-f]{6}$`).test(got ?? ''),
      ),
    /** How many sign-ups got each base exactly (unique: at most 1). */
    exact: wanted.filter((w) => byId.get(w.id) === w.base).length,
  }
}
