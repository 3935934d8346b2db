// A throwaway PostgreSQL cluster of its own, for tests that stop or restart the server: never
// the shared one on :5432, which other test files use at the same time. initdb into a temp
// dir, pg_ctl on a free loopback port (socket in that dir too), run as the `postgres` OS user
// (the tests run as root, and postgres refuses to run as root). `remove()` always stops it.
import { execFile, execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

const binDirs = [
  '/usr/lib/postgresql/15/bin',
  '/usr/lib/postgresql/16/bin',
  '/usr/lib/postgresql/17/bin',
]

export type PrivatePostgres = {
  /** Superuser `postgres`, trust auth, loopback only. */
  url(database?: string): string
  port: number
  stop(mode?: 'fast' | 'immediate'): Promise<void>
  start(): Promise<void>
  /** pg_ctl restart -m fast: every session is ended, the server is back when it returns. */
  restart(): Promise<void>
  /** Stops the server (immediately) and deletes its directory. Safe to call twice. */
  remove(): Promise<void>
}

/** Why this machine cannot run a private cluster, or undefined when it can. */
export function privatePostgresUnsupported(): string | undefined {
  if (process.platform !== 'linux') return `needs Linux (this is ${process.platform})`
  if (process.getuid?.() !== 0) return 'needs root (to run initdb/pg_ctl as the postgres OS user)'
  if (!binDir()) return `no PostgreSQL binaries in ${binDirs.join(', ')}`
  if (!existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser')) return 'no runuser'
  return undefined
}

const binDir = () => binDirs.find((dir) => existsSync(join(dir, 'pg_ctl')))

export async function freeLoopbackPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready))
  const address = server.address()
  await new Promise((closed) => server.close(closed))
  if (!address || typeof address === 'string') throw new Error('no free port')
  return address.port
}

export async function uidOf(user: string): Promise<{ uid: number; gid: number }> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
    run('id', ['-u', user]),
    run('id', ['-g', user]),
  ])
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) }
}

export type PrivatePostgresOptions = {
  /** A hot standby of this server, streaming from it (pg_basebackup -R), instead of initdb. */
  standbyOf?: PrivatePostgres
  /** Durable commits (the default here is synchronous_commit=off, for speed). */
  durable?: boolean
}

export async function startPrivatePostgres(
  settings: PrivatePostgresOptions = {},
): Promise<PrivatePostgres> {
  const unsupported = privatePostgresUnsupported()
  if (unsupported) throw new Error(`cannot start a private PostgreSQL: ${unsupported}`)
  const bin = binDir() as string
  const root = mkdtempSync(join(tmpdir(), 'app-db-private-pg-'))
  const data = join(root, 'data')
  const log = join(root, 'server.log')
  const owner = await uidOf('postgres')
  chownSync(root, owner.uid, owner.gid)
  const port = await freeLoopbackPort()
  const asPostgres = (tool: string, args: string[], timeout = 60_000) =>
    run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { timeout, cwd: root })
  const options = [
    `-p ${port}`,
    `-k ${root}`,
    `-c listen_addresses=127.0.0.1`,
    '-c fsync=off',
    `-c synchronous_commit=${settings.durable ? 'on' : 'off'}`,
    '-c full_page_writes=off',
    '-c max_connections=50',
  ].join(' ')
  const ctl = (args: string[]) =>
    asPostgres('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '30', ...args])

  let removed = false
  // Last resort when the test process ends without calling remove() (a crash, a timeout).
  const onExit = () => {
    try {
      execFileSync(
        'runuser',
        ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', data, 'stop', '-m', 'immediate'],
        { stdio: 'ignore', timeout: 10_000 },
      )
    } catch {
      // not running
    }
    rmSync(root, { recursive: true, force: true })
  }
  process.once('exit', onExit)
  const remove = async () => {
    if (removed) return
    removed = true
    process.off('exit', onExit)
    await ctl(['stop', '-m', 'immediate']).catch(() => {}) // not running: nothing to stop
    rmSync(root, { recursive: true, force: true })
  }
  try {
    if (settings.standbyOf) {
      await asPostgres('pg_basebackup', [
        ...['-h', '127.0.0.1', '-p', String(settings.standbyOf.port), '-U', 'postgres'],
        ...['-D', data, '-R', '-X', 'stream', '--no-sync', '--checkpoint=fast'],
      ])
    } else
      await asPostgres('initdb', [
        '-D',
        data,
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
        '--no-sync',
        '--no-instructions',
      ])
    await ctl(['-o', options, 'start'])
  } catch (error) {
    await remove()
    throw error
  }
  return {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: async () => {
      await ctl(['-o', options, 'start'])
    },
    stop: async (mode = 'fast') => {
      await ctl(['stop', '-m', mode])
    },
    restart: async () => {
      await ctl(['-o', options, 'restart', '-m', 'fast'])
    },
    remove,
  }
}
