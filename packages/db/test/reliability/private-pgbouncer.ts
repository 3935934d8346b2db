// A PgBouncer of the test's own in front of a server: its own ini and auth file in a temp dir,
// a free loopback port, pool_mode = transaction and a small server pool, run as the
// `postgres` OS user (PgBouncer refuses to run as root). `remove()` always stops it.
import { type ChildProcess, spawn } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freeLoopbackPort, privatePostgresUnsupported, uidOf } from './private-postgres.ts'

export const pgbouncerBinary = '/usr/sbin/pgbouncer'

export type PrivatePgbouncer = {
  port: number
  /** The server URL's user and database, through the pooler. */
  url(database: string): string
  remove(): Promise<void>
}

/** Why this machine cannot run one, or undefined when it can. */
export function pgbouncerUnsupported(): string | undefined {
  if (!existsSync(pgbouncerBinary)) return `no ${pgbouncerBinary} (pnpm db:provision installs it)`
  return privatePostgresUnsupported()
}

export type PgbouncerOptions = {
  /** The server it pools: a postgres:// URL (its host, port and user are used). */
  server: string
  /** Server connections per database/user pair. Default 3. */
  poolSize?: number
  mode?: 'transaction' | 'session'
}

export async function startPgbouncer(options: PgbouncerOptions): Promise<PrivatePgbouncer> {
  const unsupported = pgbouncerUnsupported()
  if (unsupported) throw new Error(`cannot start PgBouncer: ${unsupported}`)
  const server = new URL(options.server)
  const user = decodeURIComponent(server.username) || 'postgres'
  const root = mkdtempSync(join(tmpdir(), 'app-db-pgbouncer-'))
  const { uid, gid } = await uidOf('postgres')
  chownSync(root, uid, gid)
  const port = await freeLoopbackPort()
  writeFileSync(join(root, 'users.txt'), `"${user}" ""\n`)
  writeFileSync(
    join(root, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      `unix_socket_dir = ${root}`,
      'auth_type = trust',
      `auth_file = ${join(root, 'users.txt')}`,
      `pool_mode = ${options.mode ?? 'transaction'}`,
      `default_pool_size = ${options.poolSize ?? 3}`,
      'max_client_conn = 200',
      `logfile = ${join(root, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  )
  const child: ChildProcess = spawn(
    'runuser',
    ['-u', 'postgres', '--', pgbouncerBinary, join(root, 'pgbouncer.ini')],
    { stdio: 'ignore' },
  )
  let exited = false
  child.once('exit', () => {
    exited = true
  })
  const onExit = () => {
    child.kill('SIGKILL')
    rmSync(root, { recursive: true, force: true })
  }
  process.once('exit', onExit)
  const remove = async () => {
    process.off('exit', onExit)
    if (!exited) {
      const gone = new Promise((done) => child.once('exit', done))
      child.kill('SIGTERM')
      await Promise.race([gone, new Promise((done) => setTimeout(done, 5_000))])
      if (!exited) child.kill('SIGKILL')
    }
    rmSync(root, { recursive: true, force: true })
  }
  try {
    await listening(port, () => exited, join(root, 'pgbouncer.log'))
  } catch (error) {
    await remove()
    throw error
  }
  return {
    port,
    url: (database) => `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${database}`,
    remove,
  }
}

async function listening(port: number, exited: () => boolean, log: string) {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (exited()) {
      const text = existsSync(log) ? readFileSync(log, 'utf8') : ''
      throw new Error(`pgbouncer exited at start: ${text.trim().split('\n').at(-1) ?? ''}`)
    }
    const ok = await new Promise<boolean>((done) => {
      const socket = createConnection({ port, host: '127.0.0.1' })
      socket.once('connect', () => {
        socket.end()
        done(true)
      })
      socket.once('error', () => done(false))
    })
    if (ok) return
    await new Promise((done) => setTimeout(done, 50))
  }
  throw new Error(`pgbouncer did not listen on 127.0.0.1:${port} within 10 s`)
}
