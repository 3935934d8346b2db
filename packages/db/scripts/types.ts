// pnpm db:types [--env <name>]
// Writes src/supabase/database.types.ts, the supabase-js `Database` type (exported as
// @app/db/supabase): from DATABASE_URL when set, else from a scratch embedded database migrated
// with the repo's migrations. db:check fails when the committed file is not what they give.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, relative } from 'node:path'
import { parseDatabaseUrl } from '../src/db/database-url.ts'
import { readEnv } from '../src/db/env.ts'
import { parseArgs, run } from './cli.ts'
import {
  generateSupabaseTypes,
  supabaseTypesFile,
  supabaseTypesOfMigrations,
} from './supabase-types.ts'

run(async () => {
  const { values } = parseArgs({ options: { env: { type: 'string' } } })
  const env = readEnv(values.env)
  const from = env.DATABASE_URL
    ? `server ${parseDatabaseUrl(env.DATABASE_URL).masked}`
    : 'the migrations (scratch embedded database)'
  console.log(`db:types ← ${from}`)
  const types = env.DATABASE_URL
    ? await generateSupabaseTypes(parseDatabaseUrl(env.DATABASE_URL).driverUrl)
    : await supabaseTypesOfMigrations()
  mkdirSync(dirname(supabaseTypesFile), { recursive: true })
  writeFileSync(supabaseTypesFile, types)
  console.log(`db:types: wrote ${relative(process.cwd(), supabaseTypesFile)}`)
})
