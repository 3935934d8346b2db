// pnpm db:studio [--port N] [--env staging]
// Drizzle Studio on the configured database. Studio is drizzle-kit's local API server
// (127.0.0.1, DB_STUDIO_PORT or 4983) that the hosted UI at https://local.drizzle.studio talks to.
// With DATABASE_URL it connects there. Without, it serves the embedded database: drizzle-kit's
// own `pglite` driver loads no extensions (every table with a vector column fails, and it exits
// 0 on the error), so PGlite (with pgvector) is served on a loopback port and drizzle-kit gets a
// postgres:// URL. drizzle-kit 0.31's postgres drivers (postgres.js or pg) open a pool of
// exactly one connection, which is what the embedded server admits.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import postgres from 'postgres'
import { lockDataDir } from '../src/db/data-dir-lock.ts'
import { parseDatabaseUrl, transactionPoolerReason } from '../src/db/database-url.ts'
import { defaultDataDir, readEnv } from '../src/db/env.ts'
import { ConfigError } from '../src/errors/errors.ts'
import { connectionError } from '../src/migrations/target.ts'
import { parseArgs, run } from './cli.ts'
import {
  assertPortFree,
  type EmbeddedServer,
  embeddedLabel,
  serveEmbedded,
} from './embedded-server.ts'
import { stopSignal } from './signals.ts'
import { DEFAULT_STUDIO_PORT, parsePortFlag, readToolEnv } from './tool-env.ts'

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')
// The package's own drizzle-kit (linked by pnpm): its CLI is not an importable export.
const kit = join(packageDir, 'node_modules/drizzle-kit/bin.cjs')
const READY_TIMEOUT_MS = 60_000

run(async () => {
  const { values } = parseArgs({ options: { port: { type: 'string' }, env: { type: 'string' } } })
  const env = readEnv(values.env)
  const port = parsePortFlag(values.port) ?? readToolEnv().DB_STUDIO_PORT ?? DEFAULT_STUDIO_PORT
  const stopped = stopSignal()
  await assertPortFree(port, 'another Studio? Pass --port or set DB_STUDIO_PORT')

  const cleanup: (() => Promise<void> | void)[] = []
  try {
    let url: string
    if (env.DATABASE_URL) {
      const parsed = parseDatabaseUrl(env.DATABASE_URL)
      const pooler = transactionPoolerReason(parsed, { env: env.DB_TRANSACTION_POOLER })
      if (pooler) {
        throw new ConfigError(
          `DATABASE_URL leads through a transaction pooler (${pooler}): Studio's driver uses prepared statements, which it cannot run. Use the direct connection or the session pooler (Supabase: port 5432)`,
        )
      }
      await assertReachable(env.DATABASE_URL)
      url = env.DATABASE_URL
      console.log(`db:studio → server ${parsed.masked}`)
    } else {
      const dataDir = env.PGLITE_DATA_DIR ?? defaultDataDir
      const lock = lockDataDir(dataDir, 'db:studio')
      cleanup.push(() => lock.release())
      if (!dataDir.startsWith('memory://')) mkdirSync(dirname(dataDir), { recursive: true })
      const pg = new PGlite(dataDir, { extensions: { vector } })
      cleanup.push(() => pg.close())
      await pg.waitReady
      const migrated = await pg.query<{ ok: boolean }>(
        `select to_regclass('drizzle.__drizzle_migrations') is not null as ok`,
      )
      const server: EmbeddedServer = await serveEmbedded(pg, { port: 0 })
      cleanup.push(() => server.close())
      url = server.url
      console.log(`db:studio → ${embeddedLabel(dataDir)}, served at ${url}`)
      if (!migrated.rows[0]?.ok) console.log('  note: no migrations applied yet: pnpm db:migrate')
    }

    const scratch = mkdtempSync(join(tmpdir(), 'app-db-studio-'))
    cleanup.push(() => rmSync(scratch, { recursive: true, force: true }))
    const config = join(scratch, 'drizzle.config.json')
    const base = (await import('../drizzle.config.ts')).default
    // Paths in the config (schema, out) are relative to the package: drizzle-kit runs there.
    writeFileSync(config, JSON.stringify({ ...base, dbCredentials: { url } }), { mode: 0o600 })

    const studio = spawn(
      process.execPath,
      [kit, 'studio', '--config', config, '--host', '127.0.0.1', '--port', String(port)],
      { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const exited = new Promise<string>((done) =>
      studio.on('exit', (code, signal) => done(signal ? `signal ${signal}` : `exit code ${code}`)),
    )
    cleanup.push(() => stopChild(studio, exited))
    const output = watchOutput(studio)

    const ready = await Promise.race([
      output.ready.then(() => 'ready' as const),
      exited.then(() => 'exited' as const),
      stopped.then(() => 'stopped' as const),
      new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), READY_TIMEOUT_MS).unref()),
    ])
    if (ready === 'stopped' || (ready === 'exited' && (await signalledSoon(stopped)))) return
    if (ready !== 'ready') {
      // drizzle-kit also exits 0 on errors: anything but its ready line is a failure.
      throw new Error(
        `drizzle-kit studio ${ready === 'timeout' ? 'did not start within 60 s' : 'exited before it was ready'}: ${output.lastError() || output.lastLine() || 'no output'}`,
      )
    }
    const studioUrl = `https://local.drizzle.studio${port === DEFAULT_STUDIO_PORT ? '' : `?port=${port}`}`
    console.log(`db:studio ready: open ${studioUrl} (local API on 127.0.0.1:${port}); Ctrl-C stops`)

    let how = ''
    const end = await Promise.race([
      stopped,
      exited.then((status) => {
        how = status
        return signalledSoon(stopped)
      }),
    ])
    if (!end) {
      throw new Error(
        `drizzle-kit studio stopped unexpectedly (${how}) ${output.lastError()}`.trim(),
      )
    }
    console.log(`${end}: stopping`)
  } finally {
    for (const step of cleanup.reverse()) await step()
  }
  console.log('db:studio stopped')
})

/**
 * Ctrl-C in a terminal reaches drizzle-kit too (same process group), and it may exit a moment
 * before this process sees the signal: that exit is a stop, not a failure.
 */
function signalledSoon(stopped: Promise<NodeJS.Signals>): Promise<NodeJS.Signals | undefined> {
  const grace = new Promise<undefined>((done) => setTimeout(() => done(undefined), 500).unref())
  return Promise.race([stopped, grace])
}

/** A one-line error now, rather than drizzle-kit's stack trace (and exit 0) later. */
async function assertReachable(url: string) {
  const sql = postgres(url, { max: 1, connect_timeout: 10, onnotice: () => {} })
  try {
    await sql`select 1`
  } catch (error) {
    throw connectionError(error, parseDatabaseUrl(url))
  } finally {
    await sql.end({ timeout: 5 }).catch(() => {})
  }
}

/**
 * Passes drizzle-kit's output through, notices its "up and running" line, and keeps lines to
 * quote when it fails: the last one naming an error (it prints stack traces), and the last.
 */
function watchOutput(child: ChildProcess) {
  let last = ''
  let lastError = ''
  let markReady: () => void = () => {}
  const ready = new Promise<void>((done) => {
    markReady = done
  })
  const onData = (sink: NodeJS.WriteStream) => (chunk: Buffer) => {
    const text = chunk.toString()
    sink.write(text)
    const lines = text.split('\n').map((l) => l.trim())
    last = lines.filter((l) => l.length > 0).pop() ?? last
    lastError = lines.filter((l) => /error/i.test(l) && !/^at /.test(l)).pop() ?? lastError
    if (/Drizzle Studio is up and running/.test(text)) markReady()
  }
  child.stdout?.on('data', onData(process.stdout))
  child.stderr?.on('data', onData(process.stderr))
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal colour codes
  const plain = (line: string) => line.replace(/\u001b\[[0-9;]*m/g, '')
  return { ready, lastLine: () => plain(last), lastError: () => plain(lastError) }
}

/** SIGTERM, then SIGKILL if drizzle-kit has not exited within 5 s. */
async function stopChild(child: ChildProcess, exited: Promise<string>) {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}
