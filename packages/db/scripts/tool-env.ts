// The ports of db:dev and db:studio: their defaults, and the --port flag. The variables
// themselves are read, like every setting, by src/db/env.ts.
import { z } from 'zod'
import { type Env, readEnv } from '../src/db/env.ts'
import { ConfigError } from '../src/errors/errors.ts'

/** db:dev's port when DB_DEV_PORT is not set: near Supabase local's 54322, rarely taken. */
export const DEFAULT_DEV_PORT = 54329
/** drizzle-kit studio's own default; the hosted UI (local.drizzle.studio) looks there first. */
export const DEFAULT_STUDIO_PORT = 4983

const port = z.coerce.number().int().min(1).max(65_535)

export type ToolEnv = Pick<Env, 'DB_DEV_PORT' | 'DB_STUDIO_PORT'>

export function readToolEnv(envName?: string): ToolEnv {
  const { DB_DEV_PORT, DB_STUDIO_PORT } = readEnv(envName)
  return { DB_DEV_PORT, DB_STUDIO_PORT }
}

/** A `--port` flag's value, checked like the variables. */
export function parsePortFlag(value: string | undefined, flag = '--port'): number | undefined {
  if (value === undefined) return undefined
  const parsed = port.safeParse(value)
  if (!parsed.success)
    throw new ConfigError(`${flag} must be a port number (1-65535), got ${value}`)
  return parsed.data
}
