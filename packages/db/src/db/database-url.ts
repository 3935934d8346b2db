import { ConfigError } from '../errors/errors'

export type DatabaseUrl = {
  url: string
  host: string
  port: number
  database: string
  user: string
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
  let parsed: URL
  try {
    parsed = new URL(url)
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
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres'
  const user = decodeURIComponent(parsed.username) || 'postgres'
  return { url, host: parsed.hostname, port, database, user, masked }
}
