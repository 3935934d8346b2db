import { ConfigError } from '../errors/errors.ts'

export type DatabaseUrl = {
  /** The URL as given. */
  url: string
  /** The URL for postgres.js: this package's own parameters (`pgbouncer`) removed. */
  driverUrl: string
  /** The first host (of a multi-host URL, the one tried first). */
  host: string
  port: number
  database: string
  user: string
  /** `?pgbouncer=true|false` as written in the URL; undefined when absent. */
  pgbouncer: boolean | undefined
  /** The URL with its password replaced by `****`: safe to print. */
  masked: string
}

/** Supabase's transaction pooler (Supavisor) port: no prepared statements, no session state. */
export const TRANSACTION_POOLER_PORT = 6543

/** Hides the password of a URL, even of one too malformed to parse. */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, '$1****@')
}

/** Parses a postgres:// URL, or throws a one-line ConfigError that names the problem. */
export function parseDatabaseUrl(url: string, name = 'DATABASE_URL'): DatabaseUrl {
  const masked = maskUrl(url)
  // A multi-host URL (libpq's `host1:port1,host2:port2`) is not a WHATWG URL: parse it with its
  // first host, then read the host list apart.
  const authority = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]*)/i.exec(url)?.[1] ?? ''
  const hostList = authority.split(',')
  let parsed: URL
  try {
    parsed = new URL(hostList.length > 1 ? url.replace(authority, hostList[0] ?? '') : url)
  } catch {
    throw new ConfigError(`${name} is not a valid URL: ${masked}`)
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError(
      `${name} must start with postgres:// or postgresql:// (got ${parsed.protocol}//): ${masked}`,
    )
  }
  if (!parsed.hostname) throw new ConfigError(`${name} has no host: ${masked}`)
  const port = parsed.port ? Number(parsed.port) : 5432
  // Every host of a multi-host URL must be valid, though the pooler default reads the first.
  for (const entry of hostList) assertHost(entry, port, name, masked)
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres'
  const user = decodeURIComponent(parsed.username) || 'postgres'
  const pgbouncer = booleanParam(parsed.searchParams.get('pgbouncer'), 'pgbouncer', name, masked)
  return {
    url,
    driverUrl: withoutParam(url, 'pgbouncer'),
    host: parsed.hostname,
    port,
    database,
    user,
    pgbouncer,
    masked,
  }
}

function assertHost(entry: string, fallbackPort: number, name: string, masked: string) {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry)
  const port = match?.[2] ? Number(match[2]) : fallbackPort
  if (!match?.[1] || !(port > 0 && port < 65_536)) {
    throw new ConfigError(`${name} has an invalid host "${entry}": ${masked}`)
  }
}

function booleanParam(value: string | null, param: string, name: string, masked: string) {
  if (value === null) return undefined
  if (value === 'true' || value === '1') return true
  if (value === 'false' || value === '0') return false
  throw new ConfigError(`${name}: ?${param}= must be true or false, got "${value}": ${masked}`)
}

/** postgres.js sends every unknown URL parameter to the server as a startup parameter. */
function withoutParam(url: string, param: string): string {
  const [base, query] = url.split('?', 2)
  if (query === undefined) return url
  const kept = query.split('&').filter((pair) => pair.split('=')[0] !== param)
  return kept.length > 0 ? `${base}?${kept.join('&')}` : (base ?? url)
}

export type PoolerSettings = {
  /** createDb's `transactionPooler` option. */
  option?: boolean
  /** `DB_TRANSACTION_POOLER`. */
  env?: boolean
}

/**
 * Why a URL leads through a transaction pooler (PgBouncer or Supavisor in transaction mode), or
 * undefined when it does not: said by the option, then `?pgbouncer=`, then
 * `DB_TRANSACTION_POOLER`; when none says, Supabase's pooler port 6543 means yes. Nothing else
 * is guessed.
 */
export function transactionPoolerReason(
  url: DatabaseUrl,
  said: PoolerSettings = {},
): string | undefined {
  if (said.option !== undefined) return said.option ? 'transactionPooler: true' : undefined
  if (url.pgbouncer !== undefined) return url.pgbouncer ? 'the URL says ?pgbouncer=true' : undefined
  if (said.env !== undefined) return said.env ? 'DB_TRANSACTION_POOLER=true' : undefined
  return url.port === TRANSACTION_POOLER_PORT
    ? `port ${TRANSACTION_POOLER_PORT} is Supabase's transaction pooler`
    : undefined
}

export function behindTransactionPooler(url: DatabaseUrl, said: PoolerSettings = {}): boolean {
  return transactionPoolerReason(url, said) !== undefined
}
