// The embedded PGlite database as a PostgreSQL server on a loopback port, for db:dev and
// db:studio. PGlite is ONE session: @electric-sql/pglite-socket multiplexes clients onto it
// per message, which lets two clients' extended-protocol batches interleave (wrong results,
// electric-sql/pglite#1046), and a client over its maxConnections is dropped without a word, so
// postgres.js and psql wait forever. So this serves one client at a time, in front of the socket
// server: a second client gets a proper FATAL (53300, too many connections) at once, and the
// session is reset between clients (DISCARD ALL) so a SET ROLE or search_path of one client
// never leaks into the next.
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import { repoRoot } from '../src/db/env.ts'
import { SEARCH_PATH } from '../src/db/search-path.ts'
import { ConfigError } from '../src/errors/errors.ts'

export type EmbeddedServer = {
  /** postgres:// URL of the server (user postgres; PGlite asks for no password). */
  url: string
  host: string
  port: number
  close(): Promise<void>
}

export type ServeOptions = {
  host?: string
  /** 0 = any free port. */
  port: number
  /** Client connected / disconnected / refused, for a console. */
  log?: (line: string) => void
}

// Codes of the packets a client may send before its startup message.
const SSL_REQUEST = 80_877_103
const GSSENC_REQUEST = 80_877_104
const CANCEL_REQUEST = 80_877_102
const MAX_STARTUP_BYTES = 10_000

export async function serveEmbedded(pg: PGlite, options: ServeOptions): Promise<EmbeddedServer> {
  const host = options.host ?? '127.0.0.1'
  const log = options.log ?? (() => {})
  await resetSession(pg)

  // The socket server listens on a Unix socket in a private directory, so only this process
  // reaches it; clients come through the guard below. Windows has no such path: loopback port.
  // maxConnections 2, not 1: a client that just left may still be counted for a moment while
  // the next one connects; the guard already admits only one at a time.
  const socketDir = mkdtempSync(join(tmpdir(), 'app-db-pglite-'))
  const inner = new PGLiteSocketServer(
    process.platform === 'win32'
      ? { db: pg, host: '127.0.0.1', port: 0, maxConnections: 2 }
      : { db: pg, path: join(socketDir, '.s.PGSQL.5432'), maxConnections: 2 },
  )
  await inner.start()
  const innerAddress = inner.getServerConn()

  let active: Socket | undefined
  let resetting: Promise<void> = Promise.resolve()
  let closing = false
  const sockets = new Set<Socket>()

  const admit = async (client: Socket, startup: Buffer) => {
    active = client
    const peer = `${client.remoteAddress}:${client.remotePort}`
    await resetting
    if (client.destroyed) {
      active = undefined
      return
    }
    const upstream =
      process.platform === 'win32'
        ? createConnection(Number(innerAddress.split(':').pop()), '127.0.0.1')
        : createConnection(innerAddress)
    sockets.add(upstream)
    let closed = 0
    const onClose = () => {
      closed++
      client.destroy()
      upstream.destroy()
      if (closed < 2) return
      sockets.delete(upstream)
      log(`client ${peer} disconnected`)
      // The next client may connect now; it waits for this reset before it reaches PGlite.
      if (active === client) active = undefined
      if (closing) return
      resetting = afterClient(pg, inner).catch((error: unknown) => {
        log(`could not reset the session: ${error instanceof Error ? error.message : error}`)
      })
    }
    client.on('close', onClose)
    upstream.on('close', onClose)
    upstream.on('error', () => upstream.destroy())
    upstream.write(startup)
    client.pipe(upstream)
    upstream.pipe(client)
    log(`client ${peer} connected`)
  }

  const server: Server = createServer((client) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    // A client that resets the connection must not crash the server.
    client.on('error', () => client.destroy())
    readStartup(client).then(
      (startup) => {
        if (!startup) return client.destroy()
        if (active) {
          log(`refused client ${client.remoteAddress}:${client.remotePort}: one is connected`)
          client.resume()
          client.end(tooManyClients())
          setTimeout(() => client.destroy(), 1_000).unref()
          return
        }
        void admit(client, startup).catch(() => client.destroy())
      },
      () => client.destroy(),
    )
  })
  try {
    await new Promise<void>((ready, fail) => {
      server.once('error', fail)
      server.listen(options.port, host, () => {
        server.off('error', fail)
        ready()
      })
    })
  } catch (error) {
    await inner.stop()
    rmSync(socketDir, { recursive: true, force: true })
    throw error
  }
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : options.port

  return {
    url: `postgres://postgres@${host.includes(':') ? `[${host}]` : host}:${port}/postgres`,
    host,
    port,
    async close() {
      closing = true
      const closed = new Promise<void>((done) => server.close(() => done()))
      for (const socket of sockets) socket.destroy()
      await closed
      await inner.stop()
      await resetting.catch(() => {})
      rmSync(socketDir, { recursive: true, force: true })
    },
  }
}

/**
 * Reads what a client sends before it is admitted: answers SSL and GSSAPI encryption requests
 * with "N" (plain connection, as on a local server) and returns the startup message; undefined
 * for a cancel request (PGlite cannot cancel) or anything that is not the protocol.
 */
function readStartup(client: Socket): Promise<Buffer | undefined> {
  return new Promise((done, fail) => {
    let buffer = Buffer.alloc(0)
    const timer = setTimeout(() => finish(undefined), 10_000)
    const finish = (result: Buffer | undefined) => {
      clearTimeout(timer)
      client.off('data', onData)
      client.off('error', onError)
      client.off('close', onClosed)
      client.pause()
      done(result)
    }
    const onError = (error: Error) => {
      clearTimeout(timer)
      fail(error)
    }
    const onClosed = () => finish(undefined)
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk])
      while (buffer.length >= 8) {
        const length = buffer.readInt32BE(0)
        if (length < 8 || length > MAX_STARTUP_BYTES) return finish(undefined)
        if (buffer.length < length) return
        const code = buffer.readInt32BE(4)
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          client.write('N')
          buffer = buffer.subarray(length)
          continue
        }
        if (code === CANCEL_REQUEST) return finish(undefined)
        return finish(buffer)
      }
    }
    client.on('data', onData)
    client.on('error', onError)
    client.on('close', onClosed)
  })
}

/** An ErrorResponse, as a server at max_connections sends it: clients show the message. */
function tooManyClients(): Buffer {
  const fields: [string, string][] = [
    ['S', 'FATAL'],
    ['V', 'FATAL'],
    ['C', '53300'],
    ['M', 'the embedded database serves one connection at a time, and one is connected'],
    [
      'H',
      'Close the other client (psql, Studio, an app), or give an app a pool of 1 (DB_POOL_MAX=1).',
    ],
  ]
  const body = Buffer.concat([
    ...fields.map(([type, value]) => Buffer.from(`${type}${value}\0`, 'utf8')),
    Buffer.from([0]),
  ])
  const head = Buffer.alloc(5)
  head.write('E', 0)
  head.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}

/** Once the socket server has let go of the client (it rolls back an open transaction then). */
async function afterClient(pg: PGlite, inner: PGLiteSocketServer) {
  const deadline = Date.now() + 5_000
  while (inner.getStats().activeConnections > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10))
  }
  await resetSession(pg)
}

/**
 * A fresh session for the next client. DISCARD ALL must run on its own (not inside a
 * transaction block, not in a multi-statement string). PGlite ignores per-database settings, so
 * Supabase's search_path (extensions, where `vector` lives) is set here.
 */
async function resetSession(pg: PGlite) {
  if (pg.isInTransaction()) await pg.exec('rollback')
  await pg.exec('discard all')
  await pg.exec(`set search_path = ${SEARCH_PATH}`)
}

/** How the commands name an embedded database: relative to the repo root when inside it. */
export function embeddedLabel(dataDir: string): string {
  const shown = dataDir.startsWith('/') ? relative(repoRoot, dataDir) || dataDir : dataDir
  return `embedded database at ${shown.startsWith('..') ? dataDir : shown}`
}

/** Fails with a one-line ConfigError when a loopback port is taken, before anything starts. */
export async function assertPortFree(port: number, fix: string, host = '127.0.0.1') {
  const probe = createServer()
  await new Promise<void>((done, fail) => {
    probe.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'EADDRINUSE' || error.code === 'EACCES'
          ? new ConfigError(`port ${port} on ${host} is not free: ${fix}`)
          : error,
      ),
    )
    probe.listen(port, host, () => probe.close(() => done()))
  })
}
