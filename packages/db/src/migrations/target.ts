// Opens the database `db:migrate` (and the other scripts) act on: a server by URL, or the
// embedded PGlite data directory. Connection problems become one-line ConnectionErrors.
import { mkdirSync } from 'node:fs'
import { dirname, relative } from 'node:path'
import postgres from 'postgres'
import { type DatabaseUrl, parseDatabaseUrl, transactionPoolerReason } from '../db/database-url.ts'
import { defaultDataDir, repoRoot } from '../db/env.ts'
import { ConfigError, ConnectionError } from '../errors/errors.ts'
import { pgliteRunner, postgresRunner, type SqlRunner } from './sql-runner.ts'

export type Target = {
  runner: SqlRunner
  /** What the user sees: the masked URL or the data directory. */
  label: string
  kind: 'server' | 'embedded'
  close(): Promise<void>
}

export type TargetOptions = {
  url?: string
  dataDir?: string
  connectTimeoutSeconds?: number
  /** Names the tool in the refusal of a transaction pooler. Default `db:migrate`. */
  tool?: string
  /**
   * The caller says the URL leads through a transaction pooler (the scripts pass the
   * environment's DB_TRANSACTION_POOLER): refused at once. Without it, `?pgbouncer=` and port
   * 6543 say so, and an undeclared one is found by probing.
   */
  transactionPooler?: boolean
}

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
  const tool = options.tool ?? 'db:migrate'
  const said = transactionPoolerReason(url, { env: options.transactionPooler })
  if (said) throw poolerRefusal(tool, url, `${said}, which keeps no session`)
  const connect = { connect_timeout: options.connectTimeoutSeconds ?? 10, onnotice: () => {} }
  try {
    if (await sharesServerConnections(url, connect)) {
      throw poolerRefusal(tool, url, 'its connections share server sessions (a transaction pooler)')
    }
  } catch (error) {
    throw connectionError(error, url)
  }
  // One connection, so the work holds one session from start to end.
  const sql = postgres(url.driverUrl, {
    max: 1,
    ...connect,
    connection: { application_name: `@app/db ${tool.replace(/^db:/, '')}` },
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

function poolerRefusal(tool: string, url: DatabaseUrl, why: string) {
  return new ConfigError(
    `${tool} needs a session of its own, which ${url.masked} cannot give: ${why}. Use the direct connection or the session pooler (Supabase: port 5432)`,
  )
}

/**
 * Detects a transaction pooler that nobody declared: two connections, asked in turn for their
 * server process. Direct (or through a session pooler) each keeps its own process; through a
 * transaction pooler they take turns on the same one, or one changes between statements.
 * Unprepared statements: a prepared one is what hangs behind such a pooler.
 */
async function sharesServerConnections(
  url: DatabaseUrl,
  connect: { connect_timeout: number; onnotice: () => void },
): Promise<boolean> {
  const open = () =>
    postgres(url.driverUrl, {
      max: 1,
      prepare: false,
      ...connect,
      connection: { application_name: '@app/db session probe' },
    })
  const [a, b] = [open(), open()]
  try {
    const pid = async (c: postgres.Sql) =>
      Number((await c.unsafe<{ pid: number }[]>('select pg_backend_pid() as pid'))[0]?.pid)
    const [a1, b1, a2, b2] = [await pid(a), await pid(b), await pid(a), await pid(b)]
    return a1 !== a2 || b1 !== b2 || a1 === b1
  } finally {
    await Promise.all([a.end({ timeout: 1 }), b.end({ timeout: 1 })])
  }
}

/** Turns a driver's connection failure into one line that says what to do. */
export function connectionError(error: unknown, url: DatabaseUrl): Error {
  if (error instanceof ConnectionError || error instanceof ConfigError) return error
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
