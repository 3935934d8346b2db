// db:studio on the embedded database, as a process: drizzle-kit's local Studio server answers
// the hosted UI's requests (POST / with {type, data}), including rows with a vector column, and
// Ctrl-C stops it and the database it served.
import { type ChildProcess, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb } from '../../src/db/client.ts'
import { createTestUser } from '../../src/testing/index.ts'
import { runScript, startScript } from '../run-script.ts'

const _packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const scratch = mkdtempSync(join(tmpdir(), 'app-db-studio-test-'))
const dataDir = join(scratch, 'pglite')
const started: ChildProcess[] = []

beforeAll(async () => {
  const migrated = await runScript('migrate', [], { PGLITE_DATA_DIR: dataDir })
  expect(migrated.code).toBe(0)
  const db = createDb({ dataDir })
  try {
    const user = await createTestUser(db, { email: 'studio@example.com' })
    const vector = `[${Array.from({ length: 1536 }, (_, i) => (i === 0 ? 1 : 0)).join(',')}]`
    await db.execute(
      sql`insert into public.embeddings (user_id, content, embedding)
          values (${user.id}, 'seen in Studio', ${vector}::extensions.vector)`,
    )
  } finally {
    await db.close()
  }
}, 120_000)

afterAll(() => {
  // Whatever happened: no process of this test outlives it (drizzle-kit is in the group).
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {}
    }
  }
  rmSync(scratch, { recursive: true, force: true })
})

describe('db:studio on the embedded database', () => {
  it('serves rows with a vector column to the Studio API, and stops on SIGINT', async () => {
    const port = await freePort()
    const studio = start('studio', ['--port', String(port)], { PGLITE_DATA_DIR: dataDir })
    await studio.waitFor(/^db:studio ready: .*127\.0\.0\.1:\d+/m, 60_000)
    expect(studio.output()).toMatch(
      /db:studio → embedded database at .*pglite, served at postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres/,
    )
    expect(existsSync(`${dataDir}.lock`)).toBe(true)

    // What the hosted UI sends first, then a query the way its proxy driver does.
    const init = await post(port, { type: 'init' })
    expect(init).toMatchObject({ dialect: 'postgresql', packageName: 'postgres' })
    const rows = await post(port, {
      type: 'proxy',
      data: {
        sql: 'select "id", "content", "embedding" from "public"."embeddings" order by "id" limit $1',
        params: [50],
        mode: 'array',
        method: 'all',
      },
    })
    expect(rows).toEqual([[1, 'seen in Studio', expect.stringMatching(/^\[1,0,0,/)]])
    const vector = JSON.parse(((rows as unknown[][])[0]?.[2] as string) ?? '[]') as number[]
    expect(vector).toHaveLength(1536)

    studio.process.kill('SIGINT')
    const code = await studio.exited(20_000)
    expect(code).toBe(0)
    expect(studio.output()).toMatch(/SIGINT: stopping\ndb:studio stopped/)
    expect(existsSync(`${dataDir}.lock`)).toBe(false)
    await expect(post(port, { type: 'init' })).rejects.toThrow(/ECONNREFUSED/)
  }, 120_000)

  it('names the taken port instead of starting', async () => {
    const blocker = createServer()
    await new Promise<void>((ready) => blocker.listen(0, '127.0.0.1', ready))
    const { port } = blocker.address() as AddressInfo
    try {
      const result = await runScript('studio', ['--port', String(port)], {
        PGLITE_DATA_DIR: dataDir,
      })
      expect(result.code).toBe(1)
      expect(result.stderr.trim()).toBe(
        `error: port ${port} on 127.0.0.1 is not free: another Studio? Pass --port or set DB_STUDIO_PORT`,
      )
    } finally {
      blocker.close()
    }
  })
})

/** A long-running script, stopped by afterAll whatever happens. */
function start(script: string, args: string[], env: Record<string, string>) {
  const handle = startScript(script, args, env)
  started.push(handle.process)
  return handle
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready))
  const { port } = server.address() as AddressInfo
  await new Promise((done) => server.close(done))
  return port
}

// drizzle-kit serves https when mkcert is installed (a local certificate), http otherwise.
const https = spawnSync('mkcert', ['--help'], { stdio: 'ignore' }).status === 0

/** POSTs JSON to Studio's local server, as the hosted UI does. */
function post(port: number, body: unknown): Promise<unknown> {
  const request = https ? httpsRequest : httpRequest
  return new Promise((done, fail) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/json' },
        rejectUnauthorized: false,
        timeout: 10_000,
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d) => {
          text += d
        })
        res.on('end', () => {
          try {
            done(JSON.parse(text))
          } catch {
            fail(new Error(`not JSON (${res.statusCode}): ${text}`))
          }
        })
      },
    )
    req.on('error', fail)
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.end(JSON.stringify(body))
  })
}
