// One migration history with the Supabase CLI: the real CLI (npm supabase, pinned) and
// db:migrate on fresh databases, in either order, with a new migration applied by one and then
// the other, and the histories a failed or hand-repaired `db push` leaves behind.
import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb } from '../../src/db/client.ts'
import { readEnv, repoRoot } from '../../src/db/env.ts'
import { migrationsDir, readMigrations, supabaseEnvFile } from '../../src/migrations/files.ts'
import { type MigrateSummary, migrate } from '../../src/migrations/migrate.ts'
import { openTarget } from '../../src/migrations/target.ts'
import { seed, seedFingerprint } from '../../src/seed/index.ts'
import { signUpAsGoTrue } from '../gotrue.ts'
import {
  addMigration,
  emptyServerDatabase,
  type Scratch,
  scratchDir,
  serverFingerprint,
} from '../reliability/scratch-migrations.ts'

const run = promisify(execFile)
const cli = resolve(repoRoot, 'node_modules/.bin/supabase')
if (readEnv().CI && !existsSync(cli))
  throw new Error(`CI=true but the Supabase CLI is missing: ${cli}`)

let scratch: Scratch
const dropped: (() => Promise<void>)[] = []
beforeAll(() => {
  scratch = scratchDir('supabase-cli')
})
afterAll(async () => {
  for (const drop of dropped) await drop()
  scratch?.remove()
})

/** A Supabase project directory of its own (the CLI writes supabase/.temp into it). */
function project(name: string, source = migrationsDir) {
  const dir = join(scratch.dir, name)
  mkdirSync(join(dir, 'supabase'), { recursive: true })
  cpSync(source, join(dir, 'supabase/migrations'), { recursive: true })
  for (const file of ['config.toml', 'seed.sql']) {
    cpSync(join(repoRoot, 'supabase', file), join(dir, 'supabase', file))
  }
  return { dir, migrations: join(dir, 'supabase/migrations') }
}

async function supabase(workdir: string, url: string, ...args: string[]) {
  const dbUrl = `${url}?sslmode=disable`
  const { stdout, stderr } = await run(
    cli,
    [...args, '--db-url', dbUrl, '--workdir', workdir, '--yes'],
    { timeout: 60_000 },
  )
  return stdout + stderr
}

/** A fresh database with Supabase's environment, as a new project has it before any migration. */
async function freshProjectDatabase(label: string) {
  const db = await emptyServerDatabase(label)
  dropped.push(db.drop)
  const sql = postgres(db.url, { max: 1, onnotice: () => {} })
  try {
    await sql.unsafe(readFileSync(supabaseEnvFile, 'utf8')).simple()
  } finally {
    await sql.end()
  }
  return db
}

async function dbMigrate(url: string, migrationsFolder?: string): Promise<MigrateSummary> {
  const target = await openTarget({ url })
  try {
    return await migrate(target.runner, { migrationsFolder })
  } finally {
    await target.close()
  }
}

async function query<T extends object>(url: string, text: string): Promise<T[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    return (await sql.unsafe(text)) as unknown as T[]
  } finally {
    await sql.end()
  }
}

const cliVersions = async (url: string) =>
  (
    await query<{ version: string }>(
      url,
      'select version from supabase_migrations.schema_migrations order by version',
    )
  ).map((r) => r.version)

const localVersions = (dir = migrationsDir) =>
  readMigrations(dir).map((f) => f.name.split('_')[0] as string)

// What only db:migrate keeps: drizzle's history and checksums. Everything else must be equal.
const schemaOnly = (lines: string[]) =>
  lines.filter((l) => !/^(migration|repeatable) {2}|^schema {2}drizzle /.test(l))

describe('the Supabase CLI and db:migrate share one history', () => {
  it("supabase db push alone builds the whole schema: sign-ups get their row, the catalog is db:migrate's", async () => {
    const viaCli = await freshProjectDatabase('cli_only')
    const { dir } = project('cli-only')
    const out = await supabase(dir, viaCli.url, 'db', 'push')
    expect(out).toContain('Finished supabase db push')
    const user = await signUpAsGoTrue(viaCli.url, 'cli-only@example.com')
    const rows = await query(viaCli.url, `select 1 from public.general_users where id = '${user}'`)
    expect(rows).toHaveLength(1)
    const triggers = await query<{ n: string }>(
      viaCli.url,
      `select count(*)::text as n from pg_trigger where tgname in ('auth_hook', 'set_updated_at')`,
    )
    expect(Number(triggers[0]?.n)).toBeGreaterThan(1)

    const viaMigrate = await freshProjectDatabase('migrate_only')
    await dbMigrate(viaMigrate.url)
    await signUpAsGoTrue(viaMigrate.url, 'migrate-only@example.com')
    expect(schemaOnly(await serverFingerprint(viaCli.url))).toEqual(
      schemaOnly(await serverFingerprint(viaMigrate.url)),
    )
  })

  it('supabase db push --include-seed loads seed.sql: the data db:seed writes', async () => {
    const viaCli = await freshProjectDatabase('cli_seed')
    const { dir } = project('cli-seed')
    await supabase(dir, viaCli.url, 'db', 'push', '--include-seed')
    const viaSeed = await freshProjectDatabase('db_seed')
    await dbMigrate(viaSeed.url)
    const seeded = createDb({ url: viaSeed.url, maxConnections: 1 })
    const loaded = createDb({ url: viaCli.url, maxConnections: 1 })
    try {
      await seed(seeded)
      const expected = await seedFingerprint(seeded)
      expect(expected.tables['public.messages']?.rows).toBeGreaterThan(0)
      expect(await seedFingerprint(loaded)).toEqual(expected)
    } finally {
      await seeded.close()
      await loaded.close()
    }
  })

  it('db:migrate after the CLI records what the CLI applied and runs none of it again', async () => {
    const db = await freshProjectDatabase('cli_then_migrate')
    const { dir } = project('cli-then-migrate')
    await supabase(dir, db.url, 'db', 'push')
    const summary = await dbMigrate(db.url)
    expect(summary.applied).toEqual([])
    expect(summary.adopted).toHaveLength(localVersions().length)
    const again = await dbMigrate(db.url)
    expect(again).toMatchObject({ applied: [], adopted: [], functions: 'unchanged' })
    expect(await supabase(dir, db.url, 'db', 'push')).toContain('Remote database is up to date')
  })

  it('after db:migrate the CLI lists every migration as applied and push does nothing', async () => {
    const db = await freshProjectDatabase('migrate_then_cli')
    const { dir } = project('migrate-then-cli')
    await dbMigrate(db.url)
    expect(await cliVersions(db.url)).toEqual(localVersions())
    const list = await supabase(dir, db.url, 'migration', 'list')
    for (const version of localVersions()) {
      expect(list).toMatch(new RegExp(`\`${version}\`\\s*\\|\\s*\`${version}\``))
    }
    expect(await supabase(dir, db.url, 'db', 'push')).toContain('Remote database is up to date')
  })

  it('a new migration applied by either tool is applied for the other', async () => {
    const db = await freshProjectDatabase('alternating')
    const { dir, migrations } = project('alternating')
    await dbMigrate(db.url, migrations)

    // Written by the CLI, then seen by db:migrate.
    addMigration(migrations, '20991231000001_cli_first', [
      'create table public.cli_first (id int primary key);',
      'alter table public.cli_first enable row level security;',
    ])
    expect(await supabase(dir, db.url, 'db', 'push')).toContain('20991231000001_cli_first.sql')
    const adopted = await dbMigrate(db.url, migrations)
    expect(adopted).toMatchObject({ applied: [], adopted: ['20991231000001_cli_first.sql'] })

    // Written by db:migrate, then seen by the CLI.
    addMigration(migrations, '20991231000002_migrate_first', [
      'create table public.migrate_first (id int primary key);',
      'alter table public.migrate_first enable row level security;',
    ])
    const applied = await dbMigrate(db.url, migrations)
    expect(applied.applied.map((m) => m.name)).toEqual(['20991231000002_migrate_first.sql'])
    expect(await supabase(dir, db.url, 'db', 'push')).toContain('Remote database is up to date')
    expect(await cliVersions(db.url)).toEqual(localVersions(migrations))
  })

  it('a database migrated before the CLI history was kept gets it filled in, not re-run', async () => {
    const db = await freshProjectDatabase('backfill')
    const { dir } = project('backfill')
    await dbMigrate(db.url)
    // As an older db:migrate left it, after a `db push` that failed on its second file.
    await query(
      db.url,
      `delete from supabase_migrations.schema_migrations where version <> '${localVersions()[0]}'`,
    )
    expect(await dbMigrate(db.url)).toMatchObject({ applied: [], adopted: [] })
    expect(await cliVersions(db.url)).toEqual(localVersions())
    expect(await supabase(dir, db.url, 'db', 'push')).toContain('Remote database is up to date')
  })

  it('a CLI history that skips a migration (marked applied by hand) is refused with what to do', async () => {
    const db = await freshProjectDatabase('gap')
    const { dir } = project('gap')
    const versions = localVersions()
    const last = versions.at(-1) as string
    await supabase(dir, db.url, 'migration', 'repair', '--status', 'applied', last)
    await expect(dbMigrate(db.url)).rejects.toThrow(
      new RegExp(
        `has ${last}_\\w+\\.sql applied but not the older .*migration repair --status reverted ${last}`,
      ),
    )
    // Nothing was written: the refusal comes before any migration runs.
    expect(await cliVersions(db.url)).toEqual([last])
  })

  it('a version the CLI applied from other text is refused as an edited migration', async () => {
    const db = await freshProjectDatabase('edited')
    const { dir, migrations } = project('edited')
    addMigration(migrations, '20991231000003_later', ['create table public.later (id int);'])
    await supabase(dir, db.url, 'db', 'push')
    const { migrations: edited } = project('edited-copy', migrations)
    writeFileSync(join(edited, '20991231000003_later.sql'), 'create table public.later (id bigint)')
    await expect(dbMigrate(db.url, edited)).rejects.toThrow(
      /20991231000003_later\.sql differs from what the Supabase CLI applied/,
    )
  })
})
