// An Edge Function on the package's own schema and queries: "my rooms" for the signed-in
// caller. The caller's JWT is verified with the project's JWT secret before anything else (an
// unverified token is never trusted), then the query runs inside rls() as that user, so the
// same policies decide as for PostgREST.
//   supabase functions serve my-rooms   /   deno serve --allow-net --allow-env --allow-read index.ts
import { listMyRooms } from '@app/db/queries'
import { createServerDb, type JwtClaims } from '@app/db/server'
import { errors, jwtVerify } from 'jose'

const env = (name: string) => Deno.env.get(name)?.trim() || undefined

// Supabase sets SUPABASE_DB_URL for every function; a transaction pooler URL (port 6543, or
// ?pgbouncer=true) is recognised by createServerDb.
const dbUrl = env('SUPABASE_DB_URL')
const jwtSecret = env('SUPABASE_JWT_SECRET') ?? env('JWT_SECRET')
if (!dbUrl) throw new Error('SUPABASE_DB_URL is not set')
if (!jwtSecret) throw new Error('SUPABASE_JWT_SECRET (the project JWT secret) is not set')

const db = createServerDb({ url: dbUrl, urlName: 'SUPABASE_DB_URL', maxConnections: 3 })
const key = new TextEncoder().encode(jwtSecret)

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  })

/**
 * The signed-in user, from a verified, unexpired access token: their id and every claim, so the
 * policies see what they would see through PostgREST (auth.jwt() ->> 'email', aal, …); else a
 * 401 reason.
 */
async function callerOf(
  request: Request,
): Promise<{ userId: string; claims: JwtClaims } | { refused: string }> {
  const header = request.headers.get('authorization') ?? ''
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1]
  if (!token) return { refused: 'missing bearer token' }
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] })
    if (payload.role !== 'authenticated' || typeof payload.sub !== 'string') {
      return { refused: 'not a signed-in user' }
    }
    return { userId: payload.sub, claims: { ...payload, sub: payload.sub, role: 'authenticated' } }
  } catch (error) {
    if (error instanceof errors.JWTExpired) return { refused: 'token expired' }
    return { refused: 'invalid token' }
  }
}

export async function handle(request: Request): Promise<Response> {
  const caller = await callerOf(request)
  if ('refused' in caller) return json(401, { error: caller.refused })
  const { userId, claims } = caller
  try {
    const rooms = await db.rls(claims, (tx) => listMyRooms(tx, { userId }))
    return json(200, { rooms })
  } catch (error) {
    console.error('my-rooms:', error)
    return json(500, { error: 'could not list rooms' })
  }
}

export default { fetch: handle }
