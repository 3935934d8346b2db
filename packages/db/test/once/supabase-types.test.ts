// The committed supabase-js Database type is what the migrations give, on both lanes, and
// db:check fails when it is not.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generateSupabaseTypes, supabaseTypesFile } from '../../scripts/supabase-types.ts'
import { readEnv } from '../../src/db/env.ts'
import { migrate } from '../../src/migrations/migrate.ts'
import { openTarget } from '../../src/migrations/target.ts'
import { skipWithout } from '../reliability/prerequisites.ts'
import { scratchDir } from '../reliability/scratch-migrations.ts'
import { runScript } from '../run-script.ts'
import { adminUrl, dropDatabase, withAdmin } from '../server-admin.ts'

const committed = () => readFileSync(supabaseTypesFile, 'utf8')
// Skipped with a warning where there is no server; with CI=true a missing one fails the run.
const noServer = skipWithout(
  'the supabase-js type from a server database',
  readEnv().TEST_DATABASE_URL ? undefined : 'no TEST_DATABASE_URL',
)

describe('the supabase-js Database type', () => {
  it('holds every table, the enums and generate_cuid, vectors as text', () => {
    const types = committed()
    for (const table of ['chat_rooms', 'messages', 'embeddings', 'organizations', 'addresses']) {
      expect(types).toContain(`      ${table}: {`)
    }
    expect(types).toMatch(/chat_room_type: 'PRIVATE' \| 'GROUP'/)
    expect(types).toContain('generate_cuid:')
    expect(types).toMatch(/embedding: string\n/)
  })

  it.skipIf(noServer)(
    'a fresh server database migrated by db:migrate gives the committed file byte for byte',
    async () => {
      const base = readEnv().TEST_DATABASE_URL as string
      const name = `app_db_types_${process.pid}_${Date.now().toString(36)}`
      await withAdmin(base, (sql) => sql.unsafe(`create database "${name}"`))
      try {
        const url = adminUrl(base, name)
        const target = await openTarget({ url })
        try {
          await migrate(target.runner)
        } finally {
          await target.close()
        }
        expect(await generateSupabaseTypes(url)).toBe(committed())
      } finally {
        await dropDatabase(base, name)
      }
    },
    60_000,
  )

  it('db:check fails when the committed file is stale, naming the command', async () => {
    const scratch = scratchDir('check-types')
    try {
      const stale = join(scratch.dir, 'database.types.ts')
      writeFileSync(stale, committed().replace('is_default: boolean', 'is_default: string'))
      const result = await runScript('check', ['--supabase-types', stale], {}, 120_000)
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(
        /is not the Database type the migrations give: run pnpm db:types/,
      )
    } finally {
      scratch.remove()
    }
  }, 150_000)
})
