// `db:check --live` as a command on both lanes: a migrated database has no drift; each change
// a dashboard hotfix would make is one line naming the object; Supabase's own objects are not
// the project's; pending migrations are one line; the target is only read.

/** What a hotfix does in the SQL editor, and the line the check prints for it (or none). */
const hotfixes: { what: string; sql: string; line: RegExp | 'ignored' }[] = [
  {
    what: "a policy's USING edited",
    sql: `alter policy "members can read the messages of their rooms" on public.messages using (true)`,
    line: /^policy "members can read the messages of their rooms" on public\.messages: USING differs: live \(true\) vs repo \(.*my_room_ids.*\)$/,
  },
  {
    what: "a private channel's policy widened (realtime.messages is Supabase's, its policies ours)",
    sql: `alter policy "members can receive the broadcasts of their rooms" on realtime.messages using (true)`,
    line: /^policy "members can receive the broadcasts of their rooms" on realtime\.messages: USING differs: live \(true\) vs repo \(.*'broadcast'.*\)$/,
  },
  {
    what: 'a policy added on realtime.messages',
    sql: `create policy "anyone listens" on realtime.messages for select to anon using (true)`,
    line: /^policy "anyone listens" on realtime\.messages: only on the live database$/,
  },
  {
    what: 'an index added',
    sql: 'create index messages_hotfix_idx on public.messages (created_at)',
    line: /^index public\.messages_hotfix_idx: only on the live database$/,
  },
  {
    what: 'an index dropped',
    sql: 'drop index public.chat_rooms_created_by_index',
    line: /^index public\.chat_rooms_created_by_index: missing on the live database \(the repo has it\)$/,
  },
  {
    what: "a function's body replaced",
    sql: `create or replace function private.set_updated_at() returns trigger language plpgsql
          set search_path = '' as $$ begin new.updated_at := pg_catalog.clock_timestamp(); return new; end $$`,
    line: /^function private\.set_updated_at\(\): body differs: live \(.*clock_timestamp\(\).*\) vs repo \(.*pg_catalog\.now\(\).*\)$/,
  },
  {
    what: 'a function made security definer',
    sql: 'alter function public.match_my_embeddings(extensions.vector, integer) security definer',
    line: /^function public\.match_my_embeddings\(query_embedding extensions\.vector, match_count integer\): security differs: live \(definer\) vs repo \(invoker\)$/,
  },
  {
    what: 'a table grant added',
    sql: 'grant update on public.chat_rooms to authenticated',
    line: /^table public\.chat_rooms: grant to authenticated differs: live \(DELETE, INSERT, SELECT, UPDATE\) vs repo \(DELETE, INSERT, SELECT\)$/,
  },
  {
    what: 'a function grant added',
    sql: 'grant execute on function public.handle_new_user() to anon',
    line: /^function public\.handle_new_user\(\): grant to anon differs: live \(EXECUTE\) vs repo \(none\)$/,
  },
  {
    what: 'RLS disabled on a table',
    sql: 'alter table public.addresses disable row level security',
    line: /^table public\.addresses: row level security differs: live \(disabled\) vs repo \(enabled\)$/,
  },
  {
    what: "a column's default changed",
    sql: 'alter table public.addresses alter column is_default set default true',
    line: /^column public\.addresses\.is_default: default differs: live \(true\) vs repo \(false\)$/,
  },
  {
    what: 'a column added',
    sql: 'alter table public.general_user_profiles add column hotfix text',
    line: /^column public\.general_user_profiles\.hotfix: only on the live database$/,
  },
  {
    what: 'a trigger dropped',
    sql: 'drop trigger set_updated_at on public.organizations',
    line: /^trigger set_updated_at on public\.organizations: missing on the live database \(the repo has it\)$/,
  },
  {
    what: "the project's trigger on auth.users dropped",
    sql: 'drop trigger auth_hook on auth.users',
    line: /^trigger auth_hook on auth\.users: missing on the live database \(the repo has it\)$/,
  },
  {
    what: "an index on Supabase's own auth.users (not the project's)",
    sql: 'create index hotfix_phone_idx on auth.users (phone)',
    line: 'ignored',
  },
]

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { readEnv } from '../src/db/env.ts'
import { itOnServer, lane, openTestDatabase, type TestDatabase } from './lanes.ts'
import {
  addMigration,
  copyMigrations,
  embeddedFingerprint,
  type Scratch,
  scratchDir,
  serverFingerprint,
} from './reliability/scratch-migrations.ts'
import { runScript } from './run-script.ts'

let scratch: Scratch
let t: TestDatabase | undefined
/** The migrated database as the command sees it. */
let env: Record<string, string>
let fingerprint: () => Promise<string[]>
/** Runs SQL on the target as its owner, the way the SQL editor would. */
let hotfix: (sql: string) => Promise<void>

beforeAll(async () => {
  scratch = scratchDir('check-live')
  if (lane === 'server') {
    t = await openTestDatabase()
    const url = t.url as string
    const sql = t.sql
    env = { DATABASE_URL: url }
    fingerprint = () => serverFingerprint(url)
    hotfix = (text) => sql.exec(text)
  } else {
    // The lane's migrated template, restored into a directory the command can open.
    const dataDir = join(scratch.dir, 'pglite')
    const pg = new PGlite(dataDir, {
      extensions: { vector },
      loadDataDir: new Blob([readFileSync(inject('migrated'))]),
    })
    await pg.close()
    env = { PGLITE_DATA_DIR: dataDir }
    fingerprint = () => embeddedFingerprint(dataDir)
    hotfix = async (text) => {
      const db = new PGlite(dataDir, { extensions: { vector } })
      try {
        await db.exec(text)
      } finally {
        await db.close()
      }
    }
  }
})
afterAll(async () => {
  await t?.close()
  scratch?.remove()
})

const checkLive = (args: string[] = [], extra: Record<string, string> = {}) =>
  runScript('check', ['--live', ...args], { ...env, ...extra }, 90_000)

const linesOf = (stdout: string) => stdout.trim().split('\n').filter(Boolean)

describe(`db:check --live (${lane})`, () => {
  it('a freshly migrated database: one "no drift" line, exit 0', async () => {
    const run = await checkLive()
    expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' })
    expect(linesOf(run.stdout)).toEqual([expect.stringMatching(/^db:check --live: no drift: /)])
  })

  it('a migration the database has not applied: one line saying so, no line per object', async () => {
    const migrations = copyMigrations(scratch.dir, 'one-more')
    addMigration(migrations, '20991231000000_not_yet', ['create table public.not_yet (id int)'])
    const run = await checkLive(['--migrations', migrations])
    expect(run.code, run.stderr).toBe(1)
    expect(linesOf(run.stdout)).toEqual([
      expect.stringMatching(
        /^migrations: 1 pending on the live database \(from 20991231000000_not_yet\.sql\).*run pnpm db:migrate$/,
      ),
    ])
    expect(run.stderr).toMatch(/^error: 1 difference\(s\) between /)
  })

  it('each hotfix is one line naming the object, exit 1; the check leaves the catalog as it was', async () => {
    for (const h of hotfixes) await hotfix(h.sql)
    const before = await fingerprint()
    const run = await checkLive()
    expect(await fingerprint()).toEqual(before)
    expect(run.code, run.stderr).toBe(1)
    const lines = linesOf(run.stdout)
    const reported = hotfixes.filter((h) => h.line !== 'ignored')
    for (const h of reported) {
      expect(
        lines.filter((l) => (h.line as RegExp).test(l)),
        `${h.what}:\n${run.stdout}`,
      ).toHaveLength(1)
    }
    expect(lines, run.stdout).toHaveLength(reported.length)
    expect(run.stderr.trim()).toBe(
      `error: ${reported.length} difference(s) between ${
        lane === 'server'
          ? (env.DATABASE_URL as string)
          : `the embedded database at ${env.PGLITE_DATA_DIR}`
      } (live) and the repo's migrations (repo)`,
    )
  })

  itOnServer(
    'reads as a role whose sessions are read-only, the scratch made on --scratch-url',
    async () => {
      const base = readEnv().TEST_DATABASE_URL as string
      const url = new URL(env.DATABASE_URL as string)
      const reader = `app_db_reader_${process.pid}`
      await hotfix(
        `create role ${reader} login in role pg_read_all_data; alter role ${reader} set default_transaction_read_only = on`,
      )
      try {
        url.username = reader
        const asOwner = await checkLive()
        const asReader = await checkLive(['--scratch-url', base], { DATABASE_URL: url.toString() })
        expect(asReader.code, asReader.stderr).toBe(1)
        expect(asReader.stdout).toBe(asOwner.stdout)
      } finally {
        await hotfix(`drop role ${reader}`)
      }
    },
  )

  /** Holds `mode` locks on the tables in another session while `fn` runs. */
  async function whileLocked<T>(mode: string, fn: () => Promise<T>): Promise<T> {
    const holder = postgres(env.DATABASE_URL as string, { max: 1, onnotice: () => {} })
    let release = () => {}
    const released = new Promise<void>((done) => {
      release = done
    })
    let locked = () => {}
    const isLocked = new Promise<void>((done) => {
      locked = done
    })
    const holding = holder.begin(async (tx) => {
      await tx.unsafe(`lock table public.messages, public.chat_rooms in ${mode} mode`)
      locked()
      await released
    })
    try {
      await isLocked
      return await fn()
    } finally {
      release()
      await holding
      await holder.end({ timeout: 5 })
    }
  }

  itOnServer(
    'locks what a plain SELECT locks, no more: runs while writes and DDL on messages are locked out',
    async () => {
      // EXCLUSIVE conflicts with every lock but ACCESS SHARE (a SELECT's).
      const run = await whileLocked('exclusive', () => checkLive())
      expect(run.code, run.stderr).toBe(1)
      expect(linesOf(run.stdout)).toHaveLength(hotfixes.filter((h) => h.line !== 'ignored').length)
    },
  )

  itOnServer(
    'behind a migration holding ACCESS EXCLUSIVE: gives up after 5 s with one line instead of waiting as long as it runs',
    async () => {
      const run = await whileLocked('access exclusive', () => checkLive())
      expect(run.code).toBe(1)
      expect(run.stdout).toBe('')
      expect(run.stderr.trim()).toMatch(
        /^error: \S+: a table was locked exclusively for more than 5 s \(a migration running\?\): check again when it is done$/,
      )
      expect(run.ms).toBeLessThan(30_000)
    },
  )
})
