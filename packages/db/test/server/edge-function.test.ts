// The Edge Function supabase/functions/my-rooms under real Deno (npm's deno, pinned), against
// this lane's server: `deno check` on it and the package's Deno entry points, its import graph
// free of PGlite and dotenv, and `deno serve` answering a valid JWT with the caller's rooms and
// refusing an expired, a forged, an unsigned and a missing one.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGroupRoom, listMyRooms, sendMessage } from '../../src/queries.ts'
import { asUser, createTestUser, type TestUser } from '../../src/testing/index.ts'
import { openTestDatabase, type TestDatabase } from '../lanes.ts'
import { skipWithout } from '../reliability/prerequisites.ts'
import { freeLoopbackPort } from '../reliability/private-postgres.ts'

const run = promisify(execFile)
const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const functionDir = resolve(packageDir, '../../supabase/functions/my-rooms')
const deno = join(packageDir, 'node_modules/.bin/deno')
const skip = skipWithout(
  'Edge Function tests',
  existsSync(deno) ? undefined : `no ${deno} (pnpm install)`,
)
const secret = 'test-jwt-secret-with-at-least-32-characters'
// Deno trusts its own copy of Mozilla's roots unless told otherwise; the machine's store too, so
// that a registry reached through an intercepting proxy (as on CI machines) verifies as in Node.
const denoEnv = { ...process.env, NO_COLOR: '1', DENO_TLS_CA_STORE: 'system,mozilla' }

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
/** An HS256 JWT as Supabase Auth issues them, signed here with node:crypto (not jose). */
function jwt(payload: Record<string, unknown>, key = secret, alg = 'HS256') {
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(payload)}`
  if (alg === 'none') return `${head}.`
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`
}
const now = () => Math.floor(Date.now() / 1000)

let t: TestDatabase
let alice: TestUser
let server: ChildProcess | undefined
let base: string

beforeAll(async () => {
  if (skip) return
  t = await openTestDatabase()
  alice = await createTestUser(t.db)
  const room = await asUser(t.db, alice, (tx) =>
    createGroupRoom(tx, { userId: alice.id, name: 'edge', memberIds: [] }),
  )
  await asUser(t.db, alice, (tx) =>
    sendMessage(tx, { userId: alice.id, roomId: room.id, content: 'from the edge' }),
  )
  const port = await freeLoopbackPort()
  base = `http://127.0.0.1:${port}`
  server = spawn(
    deno,
    [
      'serve',
      '--config',
      'deno.json',
      '--allow-net',
      '--allow-env',
      '--allow-read',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      'index.ts',
    ],
    {
      cwd: functionDir,
      env: { ...denoEnv, SUPABASE_DB_URL: t.url, SUPABASE_JWT_SECRET: secret },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  server.stdout?.on('data', (d) => {
    output += d
  })
  server.stderr?.on('data', (d) => {
    output += d
  })
  const deadline = Date.now() + 120_000
  for (;;) {
    const up = await fetch(base).then(
      () => true,
      () => false,
    )
    if (up) break
    if (server.exitCode !== null || Date.now() > deadline) {
      throw new Error(
        `deno serve did not start: ${output.trim().split('\n').slice(-3).join(' | ')}`,
      )
    }
    await new Promise((done) => setTimeout(done, 200))
  }
}, 180_000)

afterAll(async () => {
  server?.kill('SIGTERM')
  await t?.close()
})

const call = (token?: string) =>
  fetch(base, { headers: token ? { authorization: `Bearer ${token}` } : {} }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as Record<string, unknown>,
  }))

describe.skipIf(skip)('the my-rooms Edge Function under Deno', () => {
  it('deno check passes on it and on the Deno entry points, without --sloppy-imports', async () => {
    const entries = ['db/server.ts', 'queries.ts', 'schema.ts', 'dto.ts', 'errors/index.ts']
    const { stderr } = await run(
      deno,
      [
        'check',
        '--config',
        'deno.json',
        'index.ts',
        ...entries.map((e) => join(packageDir, 'src', e)),
      ],
      { cwd: functionDir, env: denoEnv, timeout: 180_000 },
    )
    const lines = stderr.split('\n').filter((line) => line.trim() !== '')
    expect(lines.filter((line) => !/^(Check|Download) /.test(line))).toEqual([])
  }, 200_000)

  it("pins each npm: import to the package's own version", () => {
    const { imports } = JSON.parse(readFileSync(join(functionDir, 'deno.json'), 'utf8')) as {
      imports: Record<string, string>
    }
    const { dependencies } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>
    }
    for (const target of Object.values(imports)) {
      const npm = /^npm:\/?(@?[^@]+)@([^/]+)/.exec(target)
      if (!npm?.[1] || !(npm[1] in dependencies)) continue
      expect(`${npm[1]}@${npm[2]}`).toBe(`${npm[1]}@${dependencies[npm[1]]}`)
    }
  })

  it('its import graph holds no PGlite and no dotenv', async () => {
    const { stdout } = await run(deno, ['info', '--json', '--config', 'deno.json', 'index.ts'], {
      cwd: functionDir,
      env: denoEnv,
      timeout: 180_000,
      maxBuffer: 64 * 1024 * 1024,
    })
    const info = JSON.parse(stdout) as { modules: { specifier: string }[]; npmPackages?: object }
    const npm = Object.keys(info.npmPackages ?? {}).map((p) => p.replace(/^(@?[^@]+)@.*$/, '$1'))
    expect(new Set(npm)).toEqual(new Set(['drizzle-orm', 'drizzle-zod', 'postgres', 'zod', 'jose']))
    const files = info.modules.map((m) => m.specifier)
    expect(files.filter((f) => /pglite|dotenv|\/db\/client\.ts|\/db\/env\.ts/.test(f))).toEqual([])
  }, 200_000)

  it("answers a valid token with the caller's rooms, as rls() + listMyRooms gives them", async () => {
    const token = jwt({
      sub: alice.id,
      role: 'authenticated',
      aud: 'authenticated',
      exp: now() + 600,
    })
    const answer = await call(token)
    expect(answer.status).toBe(200)
    const expected = await asUser(t.db, alice, (tx) => listMyRooms(tx, { userId: alice.id }))
    expect(answer.body.rooms).toEqual(JSON.parse(JSON.stringify(expected)))
    expect(JSON.stringify(answer.body)).toContain('from the edge')
  })

  it('refuses an expired, a forged, an unsigned, a non-user and a missing token', async () => {
    const claims = { sub: alice.id, role: 'authenticated', aud: 'authenticated' }
    const cases: [string | undefined, string][] = [
      [jwt({ ...claims, exp: now() - 60 }), 'token expired'],
      [
        jwt({ ...claims, exp: now() + 600 }, 'another-secret-another-secret-another'),
        'invalid token',
      ],
      [jwt({ ...claims, exp: now() + 600 }, secret, 'none'), 'invalid token'],
      [jwt({ role: 'service_role', exp: now() + 600 }), 'not a signed-in user'],
      [jwt({ role: 'anon', exp: now() + 600 }), 'not a signed-in user'],
      ['not-a-jwt', 'invalid token'],
      [undefined, 'missing bearer token'],
    ]
    for (const [token, error] of cases) {
      expect(await call(token)).toEqual({ status: 401, body: { error } })
    }
  })
})
