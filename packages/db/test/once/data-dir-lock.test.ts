// createDb() on an embedded data directory holds the same lock as db:dev, db:seed and db:studio:
// two processes writing one directory corrupt it, so the second is refused, told who holds it.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createDb } from '../../src/db/client.ts'
import { ConfigError } from '../../src/errors/index.ts'

const freshDir = () => join(mkdtempSync(join(tmpdir(), 'app-db-lock-')), 'pglite')

describe('createDb and the embedded data-dir lock', () => {
  it('refuses a second handle on the same directory until the first is closed', async () => {
    const dataDir = freshDir()
    const first = createDb({ dataDir })
    const error = (() => {
      try {
        createDb({ dataDir })
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(ConfigError)
    expect(String((error as Error).message)).toMatch(
      new RegExp(`in use by an app \\(createDb\\) \\(pid ${process.pid}\\)`),
    )
    await first.close()
    const again = createDb({ dataDir })
    await again.close()
  })

  it('refuses a directory db:dev serves, and says which URL to use instead', () => {
    const dataDir = freshDir()
    const url = 'postgres://postgres@127.0.0.1:54329/postgres'
    // A live process (this test's parent) holding it, as db:dev writes its lock.
    writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: process.ppid, command: 'db:dev', url }))
    expect(() => createDb({ dataDir })).toThrow(
      new RegExp(`in use by db:dev .*DATABASE_URL=${url.replaceAll('.', '\\.')}`),
    )
  })

  it('takes over a lock whose process is gone', async () => {
    const dataDir = freshDir()
    writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: 2 ** 22 + 7, command: 'db:seed' }))
    const db = createDb({ dataDir })
    await db.close()
  })
})
