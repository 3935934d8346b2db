// db:check --live when it cannot check: one line saying why, exit 1, never a stack trace.

const cases: { what: string; env: Record<string, string>; args?: string[]; error: RegExp }[] = [
  {
    what: 'a server nobody listens on',
    env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres' },
    error:
      /^error: cannot reach PostgreSQL at 127\.0\.0\.1:1: connection refused \(is it running\?\)$/,
  },
  {
    what: 'a host that does not resolve',
    env: { DATABASE_URL: 'postgres://postgres@no-such-host.invalid:5432/postgres' },
    error: /^error: cannot reach PostgreSQL: host "no-such-host\.invalid" not found$/,
  },
  {
    what: 'a URL that is not one',
    env: { DATABASE_URL: 'mysql://root@127.0.0.1/app' },
    error: /^error: DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//,
  },
  {
    what: 'an embedded database that was never created',
    env: { PGLITE_DATA_DIR: '/nonexistent/app-db-check-live' },
    error:
      /^error: no embedded database at \/nonexistent\/app-db-check-live: run pnpm db:migrate first, or set DATABASE_URL$/,
  },
  {
    what: 'an --env file that does not exist',
    env: {},
    args: ['--env', 'no-such-env'],
    error: /^error: \.env\.no-such-env not found at the repo root$/,
  },
]

import { describe, expect, it } from 'vitest'
import { runScript } from '../run-script.ts'

describe('db:check --live cannot check', () => {
  for (const c of cases) {
    it(`${c.what}: one line, exit 1`, async () => {
      const run = await runScript('check', ['--live', ...(c.args ?? [])], c.env, 60_000)
      expect(run.code).toBe(1)
      expect(run.stdout).toBe('')
      expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(c.error)])
    })
  }
})
