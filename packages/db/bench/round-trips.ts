// 6: round trips on the wire. A loopback proxy in front of the server counts exchanges (the
// client sending again after the server answered) and can add latency to every chunk each
// way, so what a real network costs shows on one machine: rls() + listMessages() against a
// bare select, with prepared statements and as behind a transaction pooler.
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { sql } from 'drizzle-orm'
import { createDb, type Db } from '../src/db/client.ts'
import { listMessages } from '../src/queries.ts'
import { compare, type Side } from './harness.ts'
import type { Row } from './measures.ts'
import type { BenchDb, BenchScale } from './setup.ts'

type Proxy = { url: string; exchanges: () => number; close(): Promise<void> }

async function startProxy(target: string, delayMs: number): Promise<Proxy> {
  const upstream = new URL(target)
  let exchanges = 0
  const sockets = new Set<Socket>()
  // Each direction keeps its order: chunks wait delayMs, one after another.
  const delayed = (to: Socket) => {
    let chain = Promise.resolve()
    return (chunk: Buffer) => {
      chain = chain.then(
        () =>
          new Promise<void>((done) => {
            const write = () => {
              if (!to.destroyed) to.write(chunk)
              done()
            }
            if (delayMs > 0) setTimeout(write, delayMs)
            else write()
          }),
      )
    }
  }
  const server: Server = createServer((client) => {
    const db = createConnection({ host: upstream.hostname, port: Number(upstream.port || 5432) })
    // No Nagle: the proxy must not hold small writes back (a 40 ms delayed-ACK stall per
    // describe round trip otherwise), or it would measure itself.
    client.setNoDelay(true)
    db.setNoDelay(true)
    sockets.add(client)
    sockets.add(db)
    let serverSpoke = true
    const toDb = delayed(db)
    const toClient = delayed(client)
    client.on('data', (chunk: Buffer) => {
      if (serverSpoke) exchanges++
      serverSpoke = false
      toDb(chunk)
    })
    db.on('data', (chunk: Buffer) => {
      serverSpoke = true
      toClient(chunk)
    })
    const end = () => {
      client.destroy()
      db.destroy()
    }
    client.on('close', end)
    db.on('close', end)
    client.on('error', end)
    db.on('error', end)
  })
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('proxy: no port')
  const url = new URL(target)
  url.hostname = '127.0.0.1'
  url.port = String(address.port)
  return {
    url: url.toString(),
    exchanges: () => exchanges,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise((done) => server.close(done))
    },
  }
}

/** Round trips of one call, on a warm connection (statements already prepared). */
async function count(proxy: Proxy, work: () => Promise<unknown>): Promise<number> {
  await work()
  await work()
  const before = proxy.exchanges()
  await work()
  return proxy.exchanges() - before
}

export async function roundTrips(b: BenchDb, room: { id: string; member: string }, s: BenchScale) {
  const rows: Row[] = []
  const iterations = Math.max(20, Math.min(s.iterations, 200))
  // ~1 ms each way, as the target is stated.
  const proxy = await startProxy(b.url, 1)
  const open = (pooled: boolean): Db =>
    createDb({ url: proxy.url, maxConnections: 1, transactionPooler: pooled })
  const prepared = open(false)
  const pooled = open(true)
  try {
    for (const [db, label, target] of [
      [prepared, 'prepared statements', 2],
      [pooled, 'behind a transaction pooler', 3],
    ] as const) {
      const bare: Side = { label: 'bare select', run: () => db.execute(sql`select 1`) }
      const inRls: Side = {
        label: 'rls() + listMessages()',
        run: () =>
          db.rls({ sub: room.member }, (tx) => listMessages(tx, { roomId: room.id, limit: 50 })),
      }
      const trips = await count(proxy, () => inRls.run(0))
      const bareTrips = await count(proxy, () => bare.run(0))
      const timed = await compare(`rls() + one query, ${label}, +1 ms each way`, inRls, bare, {
        iterations,
        target: target === 2 ? '≤ 2.2×, 2 round trips' : '3 round trips',
      })
      rows.push({
        id: '6',
        ...timed,
        result: `round trips ${trips} (bare select ${bareTrips})`,
        met: trips <= target && (target !== 2 || timed.ratio <= 2.2),
      })
    }
  } finally {
    await Promise.all([prepared.close(), pooled.close()])
    await proxy.close()
  }
  return rows
}
