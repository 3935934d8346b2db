// All or nothing across files, on both lanes: db:migrate runs every pending migration and
// functions.sql in one transaction, so when a later one fails, what the earlier ones did is gone
// too: the catalog fingerprint and the migration histories are as before. (The stress suite
// kills runs mid-way; this is the same promise in the fast suite.)

/** The pending migrations of a run (the repo's, plus these) and the functions.sql it applies. */
const runs: {
  what: string
  migrations: { tag: string; statements: string[] }[]
  /** Appended to a copy of sql/functions.sql; unset: the real one. */
  functionsTail?: string
  error: RegExp
}[] = [
  {
    what: 'a second migration fails after a first one succeeded',
    migrations: [
      {
        tag: '20990101000000_first_succeeds',
        statements: [
          'create table public.atomic_first (id int primary key, updated_at timestamptz not null default now())',
          'alter table public.atomic_first enable row level security',
          'alter table public.messages add column atomic_note text',
          'create index messages_atomic_note_idx on public.messages (atomic_note)',
          `create policy "atomic first" on public.messages for select to anon using (true)`,
          'grant update on public.chat_rooms to authenticated',
        ],
      },
      {
        tag: '20990101000001_second_fails',
        statements: [
          'create table public.atomic_second (id int primary key)',
          'select no_such_function()',
        ],
      },
    ],
    error: /^20990101000001_second_fails\.sql, statement 2 of 2 failed: .*no_such_function/,
  },
  {
    what: 'functions.sql fails after a migration that succeeded',
    migrations: [
      {
        tag: '20990101000002_before_functions',
        statements: [
          'create table public.atomic_before (id int primary key, updated_at timestamptz not null default now())',
        ],
      },
    ],
    functionsTail: 'select no_such_function();',
    error: /^functions\.sql failed: .*no_such_function/,
  },
  {
    what: 'functions.sql fails half-way, no migration pending',
    migrations: [],
    // Replaces a function first: that must be undone too.
    functionsTail: `create or replace function private.set_updated_at() returns trigger
      language plpgsql as $$ begin return new; end $$;
      revoke all on schema public from anon;
      select no_such_function();`,
    error: /^functions\.sql failed: .*no_such_function/,
  },
]

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { functionsFile } from '../src/migrations/files.ts'
import { MigrationError, migrate } from '../src/migrations/migrate.ts'
import { lane, openTestDatabase, type TestDatabase } from './lanes.ts'
import { catalogFingerprint } from './reliability/fingerprint.ts'
import {
  addMigration,
  copyMigrations,
  type Scratch,
  scratchDir,
} from './reliability/scratch-migrations.ts'

let t: TestDatabase
let scratch: Scratch
beforeAll(async () => {
  t = await openTestDatabase()
  scratch = scratchDir('migrate-atomic')
})
afterAll(async () => {
  await t?.close()
  scratch?.remove()
})

/** Both migration histories and functions.sql's checksum, as rows. */
async function histories() {
  return {
    drizzle: await t.sql.query(
      'select id, hash, created_at::text from drizzle.__drizzle_migrations order by id',
    ),
    cli: await t.sql.query(
      'select version, name from supabase_migrations.schema_migrations order by version',
    ),
    repeatable: await t.sql.query(
      'select name, checksum, applied_at::text from drizzle.__app_db_repeatable order by name',
    ),
  }
}

describe(`db:migrate is all or nothing across files (${lane})`, () => {
  for (const [i, run] of runs.entries()) {
    it(`${run.what}: the error names it, catalog and histories as before`, async () => {
      const dir = copyMigrations(scratch.dir, `run-${i}`)
      for (const m of run.migrations) addMigration(dir, m.tag, m.statements)
      let functionsPath: string | undefined
      if (run.functionsTail) {
        // Same file name: the repeatable's history is kept by name.
        const functionsDir = join(scratch.dir, `functions-${i}`)
        mkdirSync(functionsDir)
        functionsPath = join(functionsDir, 'functions.sql')
        writeFileSync(
          functionsPath,
          `${readFileSync(functionsFile, 'utf8')}\n${run.functionsTail}\n`,
        )
      }
      const catalog = await catalogFingerprint(t.sql)
      const history = await histories()
      const failure = migrate(t.sql, { migrationsFolder: dir, functionsPath })
      await expect(failure).rejects.toThrow(MigrationError)
      await expect(failure).rejects.toThrow(run.error)
      expect(await catalogFingerprint(t.sql)).toEqual(catalog)
      expect(await histories()).toEqual(history)
    })
  }

  it('the same database still migrates cleanly after all of them', async () => {
    const summary = await migrate(t.sql)
    expect(summary.applied).toEqual([])
    expect(summary.functions).toBe('unchanged')
  })
})
