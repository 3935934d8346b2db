// Opens the database `db:migrate` (and the other scripts) act on: a server by URL, or the
// embedded PGlite data directory. Connection problems become one-line ConnectionErrors.
import { mkdirSync } from 'node:fs'
import { dirname, relative } from 'node:path'
import postgres from 'postgres'
import { type DatabaseUrl, parseDatabaseUrl } from '../db/database-url'
import { defaultDataDir, repoRoot } from '../db/env'
import { ConnectionError } from '../errors/errors'
import { pgliteRunner, postgresRunner, type SqlRunner } from './sql-runner'

export type Target = {
  runner: SqlRunner
  /** What the user sees: the masked URL or the data directory. */
  label: string
  kind: 'server' | 'embedded'
  close(): Promise<void>
}

export type TargetOptions = { url?: string; dataDir?: string; connectTimeoutSeconds?: number }

export async function openTarget(options: TargetOptions): Promise<Target> {
  if (options.url) return openServer(parseDatabaseUrl(options.url), options)
  const dataDir = options.dataDir ?? defaultDataDir
  if (!dataDir.startsWith('memory://')) mkdirSync(dirname(dataDir), { recursive: true })
  // Loaded only here: PGlite takes ~160 ms to import, which db:migrate on a server never needs.
  const [{ PGlite }, { vector }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-pgvector'),
  ])
  const pg = new PGlite(dataDir, { extensions: { vector } })
  await pg.waitReady
  const shown = dataDir.startsWith('/') ? relative(repoRoot, dataDir) || dataDir : dataDir
  return {
    runner: pgliteRunner(pg),
    label: `embedded database at ${shown.startsWith('..') ? dataDir : shown}`,
    kind: 'embedded',
    close: () => pg.close(),
  }
}

async function openServer(url: DatabaseUrl, options: TargetOptions): Promise<Target> {
  // One connection: the migration lock is held by a session.
  const sql = postgres(url.url, {
    max: 1,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    onnotice: () => {},
    connection: { application_name: '@app/db migrate' },
  })
  const close = () => sql.end({ timeout: 5 })
  try {
    await sql`select 1`
  } catch (error) {
    await close().catch(() => {})
    throw connectionError(error, url)
  }
  return { runner: postgresRunner(sql), label: `server ${url.masked}`, kind: 'server', close }
}

/** Turns a driver's connection failure into one line that says what to do. */
export function connectionError(error: unknown, url: DatabaseUrl): Error {
  if (error instanceof ConnectionError) return error
  const e = error as { code?: string; message?: string }
  const where = `${url.host}:${url.port}`
  switch (e.code) {
    case 'ECONNREFUSED':
      return new ConnectionError(
        `cannot reach PostgreSQL at ${where}: connection refused (is it running?)`,
      )
    case 'CONNECT_TIMEOUT':
      return new ConnectionError(
        `cannot reach PostgreSQL at ${where}: no answer within the connect timeout`,
      )
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConnectionError(`cannot reach PostgreSQL: host "${url.host}" not found`)
    case '28P01':
    case '28000':
      return new ConnectionError(`PostgreSQL at ${where} refused user "${url.user}": ${e.message}`)
    case '3D000':
      return new ConnectionError(`database "${url.database}" does not exist on ${where}`)
    default:
      return new ConnectionError(`cannot use PostgreSQL at ${where}: ${e.message ?? String(error)}`)
  }
}
