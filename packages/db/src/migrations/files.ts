// Reads supabase/migrations the way drizzle-orm's migrator does (meta/_journal.json, one file
// per entry, split on statement breakpoints, sha256 of the whole file) and keeps file names,
// so errors can say which file failed.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { repoRoot } from '../db/env.ts'

export const migrationsDir = resolve(repoRoot, 'supabase/migrations')
const sqlDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../sql')
export const functionsFile = join(sqlDir, 'functions.sql')
export const supabaseEnvFile = join(sqlDir, 'supabase-env.sql')

export type MigrationFile = {
  /** File name, e.g. `20261122052327_prerequisites.sql`. */
  name: string
  /** drizzle's `created_at` key: the journal's `when`. */
  createdAt: number
  hash: string
  statements: string[]
}

type Journal = { entries: { tag: string; when: number }[] }

export function readMigrations(dir = migrationsDir): MigrationFile[] {
  const journalPath = join(dir, 'meta/_journal.json')
  if (!existsSync(journalPath)) throw new Error(`no migrations: ${journalPath} is missing`)
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal
  return journal.entries.map(({ tag, when }) => {
    const name = `${tag}.sql`
    const path = join(dir, name)
    if (!existsSync(path)) throw new Error(`migration ${name} is in the journal but not on disk`)
    const text = readFileSync(path, 'utf8')
    return {
      name,
      createdAt: when,
      hash: sha256(text),
      statements: text
        .split('--> statement-breakpoint')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    }
  })
}

export type SqlScript = { name: string; text: string; checksum: string }

export function readScript(path: string): SqlScript {
  const text = readFileSync(path, 'utf8')
  return { name: path.split('/').pop() ?? path, text, checksum: sha256(text) }
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
