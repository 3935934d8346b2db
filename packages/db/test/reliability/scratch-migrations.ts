// Scratch copies of supabase/migrations to edit without touching the repo, and empty databases
// to migrate them into: what the migration tests (fast and stress) run `db:migrate` against.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import postgres from 'postgres'
import { readEnv } from '../../src/db/env.ts'
import { migrationsDir } from '../../src/migrations/files.ts'
import { pgliteRunner, postgresRunner } from '../../src/migrations/sql-runner.ts'
import { adminUrl, dropDatabase, withAdmin } from '../server-admin.ts'
import { catalogFingerprint } from './fingerprint.ts'

export type Scratch = { dir: string; remove(): void }

export function scratchDir(prefix: string): Scratch {
  const dir = mkdtempSync(join(tmpdir(), `app-db-${prefix}-`))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A copy of the real migrations folder (with meta/) under `parent`. */
export function copyMigrations(parent: string, name: string): string {
  const dir = join(parent, name)
  cpSync(migrationsDir, dir, { recursive: true })
  return dir
}

type Journal = { entries: { idx: number; when: number; tag: string }[] }

/** Adds a migration file and its journal entry, as `drizzle-kit generate --custom` would. */
export function addMigration(dir: string, tag: string, statements: string[]) {
  writeFileSync(join(dir, `${tag}.sql`), statements.join('\n--> statement-breakpoint\n'))
  const journalPath = join(dir, 'meta/_journal.json')
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal
  const last = journal.entries.at(-1)
  if (!last) throw new Error(`empty journal in ${dir}`)
  journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1000, tag })
  writeFileSync(journalPath, JSON.stringify(journal, null, 2))
}

/** Appends a comment to the first migration of the folder; returns that file's name. */
export function tamperFirstMigration(dir: string): string {
  const journal = JSON.parse(readFileSync(join(dir, 'meta/_journal.json'), 'utf8')) as Journal
  const first = journal.entries[0]
  if (!first) throw new Error(`empty journal in ${dir}`)
  const file = join(dir, `${first.tag}.sql`)
  writeFileSync(file, `${readFileSync(file, 'utf8')}\n-- a harmless-looking edit\n`)
  return `${first.tag}.sql`
}

/** An empty database on the TEST_DATABASE_URL server; `drop()` removes it (with force). */
export async function emptyServerDatabase(label: string) {
  const base = readEnv().TEST_DATABASE_URL
  if (!base) throw new Error('the server lane needs TEST_DATABASE_URL')
  const name = `app_db_${label}_${process.pid}_${Date.now().toString(36)}`
  await withAdmin(base, (sql) => sql.unsafe(`create database "${name}"`))
  return { name, url: adminUrl(base, name), drop: () => dropDatabase(base, name) }
}

/** The fingerprint of a server database, through a connection of its own. */
export async function serverFingerprint(url: string): Promise<string[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    return await catalogFingerprint(postgresRunner(sql))
  } finally {
    await sql.end({ timeout: 5 })
  }
}

/** The fingerprint of an embedded data directory (no process may have it open). */
export async function embeddedFingerprint(dataDir: string): Promise<string[]> {
  const pg = new PGlite(dataDir, { extensions: { vector } })
  try {
    return await catalogFingerprint(pgliteRunner(pg))
  } finally {
    await pg.close()
  }
}
