// pnpm db:generate [drizzle-kit generate options, e.g. --name add_bookmarks | --custom]
// 1. drizzle-kit generate: a migration for what changed in the schema files (it asks about
//    renames on a terminal).
// 2. If sql/functions.sql changed since the migrations last captured it, or a table came after
//    that capture, one more migration that holds it (`<timestamp>_functions.sql`), so
//    supabase/migrations alone is the whole schema.
import { spawnSync } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { functionsFile, migrationsDir, readScript } from '../src/migrations/files.ts'
import { captureText, functionsNotCaptured } from '../src/migrations/functions-capture.ts'
import { run } from './cli.ts'

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const kit = join(packageDir, 'node_modules/drizzle-kit/bin.cjs')

function drizzleKit(args: string[]) {
  const result = spawnSync(process.execPath, [kit, 'generate', ...args], {
    cwd: packageDir,
    stdio: 'inherit',
  })
  if (result.status !== 0) throw new Error(`drizzle-kit generate exited with ${result.status}`)
}

run(async () => {
  drizzleKit(process.argv.slice(2))
  const reason = functionsNotCaptured(migrationsDir, functionsFile)
  if (!reason) return
  const before = new Set(readdirSync(migrationsDir))
  drizzleKit(['--custom', '--name', 'functions'])
  const added = readdirSync(migrationsDir).filter((f) => f.endsWith('.sql') && !before.has(f))
  if (added.length !== 1) throw new Error('drizzle-kit wrote no migration for functions.sql')
  const file = join(migrationsDir, added[0] as string)
  writeFileSync(file, captureText(readScript(functionsFile)))
  console.log(`db:generate: ${reason}: captured it again in ${added[0]}`)
})
