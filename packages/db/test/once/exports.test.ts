// The exports map: every subpath an app may import exists, loads, and exports what the README
// says it does.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const { exports } = JSON.parse(readFileSync(resolve(packageDir, 'package.json'), 'utf8')) as {
  exports: Record<string, string>
}

/** What each subpath must export, at least (names an app imports from it). */
const documented: Record<string, string[]> = {
  '.': [
    'createDb',
    'executeRows',
    'DbError',
    'NotFoundError',
    'toDbError',
    'messages',
    'chatRooms',
  ],
  './client': ['createDb', 'executeRows', 'roleOf', 'rlsRoles', 'drizzleOptions'],
  './server': ['createServerDb', 'drizzleOptions', 'splitUrls'],
  './errors': [
    'DbError',
    'ConfigError',
    'ConflictError',
    'ConnectionError',
    'ForbiddenError',
    'NotFoundError',
    'NotMigratedError',
    'ReadOnlyError',
    'ValidationError',
    'toDbError',
    'mapErrors',
    'pgErrorInfo',
  ],
  './migrate': ['migrate', 'MigrationError', 'openTarget', 'pgliteRunner', 'postgresRunner'],
  './schema': ['generalUsers', 'messages', 'embeddings', 'generalUsersAccess', 'corporateRole'],
  './dto': [
    'messageSelectSchema',
    'sendMessageInput',
    'inviteMemberInput',
    'embeddingInsertSchema',
  ],
  './queries': ['listMessages', 'sendMessage', 'inviteMember', 'upsertEmbedding', 'copyEmbeddings'],
  './testing': ['createTestUser', 'asUser', 'asAnon', 'asServiceRole', 'createTestDb'],
  './realtime': ['roomTopic', 'parseRoomBroadcast', 'roomBroadcastSchema', 'roomTopicPrefix'],
  // Types only: the supabase-js Database type.
  './supabase': [],
}

describe('@app/db exports map', () => {
  it('lists exactly the documented subpaths, with no wildcard', () => {
    expect(Object.keys(exports).sort()).toEqual(Object.keys(documented).sort())
  })

  it.each(Object.entries(exports))(
    '%s → %s exists and exports what it documents',
    async (path, target) => {
      const file = resolve(packageDir, target)
      expect(existsSync(file)).toBe(true)
      const module = (await import(file)) as Record<string, unknown>
      const missing = (documented[path] ?? []).filter((name) => module[name] === undefined)
      expect(missing, `${path} lacks these exports`).toEqual([])
    },
  )

  it('@app/db/realtime loads no driver and nothing of Node: a browser bundle can import it', () => {
    const bare = new Set<string>()
    const seen = new Set<string>()
    const visit = (file: string) => {
      if (seen.has(file)) return
      seen.add(file)
      const text = readFileSync(file, 'utf8')
      for (const [, spec] of text.matchAll(
        /^(?:import|export)\s+(?!type\b)(?:[^;'"]*?\bfrom\s+)?['"]([^'"]+)['"]/gm,
      )) {
        if (!spec) continue
        if (spec.startsWith('.')) visit(resolve(dirname(file), spec))
        else bare.add(spec.replace(/^(@[^/]+\/[^/]+|[^/]+).*$/, '$1'))
      }
    }
    visit(resolve(packageDir, exports['./realtime'] as string))
    expect([...bare].sort()).toEqual(['drizzle-orm', 'zod'])
  })
})
