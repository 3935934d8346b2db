// db:dev as a process: it migrates a fresh embedded database, serves it on a loopback port,
// admits one client at a time with a clear error for a second, resets the session between
// clients, refuses a second db:dev on the same data directory, and stops cleanly on SIGINT.
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { afterAll, describe, expect, it } from 'vitest'
import { readMigrations } from '../../src/migrations/files.ts'
import { runScript, startScript } from '../run-script.ts'

const _packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const scratch = mkdtempSync(join(tmpdir(), 'app-db-dev-test-'))
const dataDir = join(scratch, 'pglite')
const started: ChildProcess[] = []
const clients: postgres.Sql[] = []

afterAll(async () => {
  for (const client of clients) await client.end({ timeout: 1 }).catch(() => {})
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {}
    }
  }
  rmSync(scratch, { recursive: true, force: true })
})

const connect = (url: string) => {
  const client = postgres(url, { max: 1, connect_timeout: 10, onnotice: () => {} })
  clients.push(client)
  return client
}

describe('db:dev', () => {
  it('serves the migrated embedded database to one client at a time, then stops', async () => {
    const port = await freePort()
    const dev = start('dev', ['--port', String(port)], { PGLITE_DATA_DIR: dataDir })
    const [, url] = await dev.waitFor(/^serving (postgres:\/\/\S+)$/m, 90_000)
    expect(url).toBe(`postgres://postgres@127.0.0.1:${port}/postgres`)
    expect(dev.output()).toMatch(`migrations: applied ${readMigrations().length}`)

    const first = connect(url as string)
    const [applied] = await first`select count(*)::int as n from drizzle.__drizzle_migrations`
    expect(applied?.n).toBe(readMigrations().length)
    // Supabase's search_path, so pgvector's operators resolve as in the app.
    const [distance] = await first`select '[1,0]'::vector <=> '[0,1]'::vector as d`
    expect(distance?.d).toBe(1)
    await first`set role anon`

    // A second client: refused at once with Postgres' own code, not left hanging.
    const t0 = Date.now()
    const second = connect(url as string)
    await expect(second`select 1`).rejects.toMatchObject({ code: '53300' })
    expect(Date.now() - t0).toBeLessThan(5_000)

    // Another db:dev on the same directory would corrupt it: refused, pointing at this one.
    const rival = await runScript('dev', ['--port', String(await freePort())], {
      PGLITE_DATA_DIR: dataDir,
    })
    expect(rival.code).toBe(1)
    expect(rival.stderr.trim().split('\n')).toHaveLength(1)
    expect(rival.stderr).toMatch(
      new RegExp(
        `^error: the embedded database at .* is in use by db:dev \\(pid \\d+\\).*DATABASE_URL=${escapeRegExp(url as string)}`,
      ),
    )

    // The next client gets a fresh session (the role set above is gone).
    await first.end()
    const third = connect(url as string)
    const [who] = await third`select current_user as role`
    expect(who?.role).toBe('postgres')
    await third.end()

    dev.process.kill('SIGINT')
    expect(await dev.exited(20_000)).toBe(0)
    expect(dev.output()).toMatch(/SIGINT: stopping\nstopped; the database is closed/)
    expect(existsSync(`${dataDir}.lock`)).toBe(false)

    // PGlite wrote its data on close: a restart has nothing to migrate.
    const again = start('dev', ['--port', String(port)], { PGLITE_DATA_DIR: dataDir })
    await again.waitFor(/^serving /m, 60_000)
    expect(again.output()).toMatch(/migrations: up to date/)
    again.process.kill('SIGTERM')
    expect(await again.exited(20_000)).toBe(0)
  }, 180_000)

  it('names the taken port', async () => {
    const blocker = createServer()
    await new Promise<void>((ready) => blocker.listen(0, '127.0.0.1', ready))
    const { port } = blocker.address() as AddressInfo
    try {
      const result = await runScript('dev', ['--port', String(port)], {
        PGLITE_DATA_DIR: join(scratch, 'unused'),
      })
      expect(result.code).toBe(1)
      expect(result.stderr.trim()).toBe(
        `error: port ${port} on 127.0.0.1 is not free: pass --port or set DB_DEV_PORT`,
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

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready))
  const { port } = server.address() as AddressInfo
  await new Promise((done) => server.close(done))
  return port
}
