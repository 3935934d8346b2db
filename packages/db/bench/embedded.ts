// The embedded lane (PGlite, the default target) for measures 1, 5 and a small-scale 3.
import { PGlite } from '@electric-sql/pglite'
import { vector as pgvector } from '@electric-sql/pglite-pgvector'
import { sql } from 'drizzle-orm'
import { createDb, executeRows } from '../src/db/client.ts'
import { insertEmbeddings, searchEmbeddings } from '../src/domains/ai/queries.ts'
import { listMessages } from '../src/domains/chat/queries.ts'
import { migrate } from '../src/migrations/migrate.ts'
import { pgliteRunner } from '../src/migrations/sql-runner.ts'
import { seed } from '../src/seed/index.ts'
import { compare, progress, stats, time } from './harness.ts'
import type { Row } from './measures.ts'
import type { BenchScale } from './setup.ts'
import { clusteredSource, QUERY_OFFSET } from './vectors.ts'

/** A small seeded in-memory PGlite and a round of its ten busiest rooms, for the PGlite rows. */
export async function seededPglite() {
  const pg = new PGlite({ extensions: { vector: pgvector } })
  await migrate(pgliteRunner(pg))
  const db = createDb({ pglite: pg })
  await seed(db, { scale: 5, sizes: { embeddings: 0 } })
  const rooms = await executeRows<{ id: string }>(
    db,
    sql`select chat_room_id as id from messages group by 1 order by count(*) desc, 1 limit 10`,
  )
  const room = (i: number) => (rooms[i % rooms.length] as { id: string }).id
  return { pg, db, room }
}

export async function embeddedLane(s: BenchScale): Promise<Row[]> {
  const rows: Row[] = []
  // 5: migrate a fresh in-memory database (the boot itself is not migrate's cost), then again.
  const cold: number[] = []
  const warm: number[] = []
  for (let i = 0; i < 3; i++) {
    const pg = new PGlite({ extensions: { vector: pgvector } })
    await pg.waitReady
    cold.push(await time(() => migrate(pgliteRunner(pg))))
    warm.push(await time(() => migrate(pgliteRunner(pg))))
    await pg.close()
  }
  const A = stats(cold)
  const B = stats(warm)
  rows.push({
    id: '5',
    name: 'migrate() on PGlite',
    a: { label: 'empty → head', ...A },
    b: { label: 're-run', ...B },
    ratio: A.p50 / B.p50,
    target: '≤ 1 s, ≤ 0.3 s',
    met: A.p50 <= 1000 && B.p50 <= 300,
  })

  progress('embedded: seeding a small database')
  const { pg, db, room } = await seededPglite()
  try {
    const list = await compare(
      'list 50 newest messages on PGlite',
      { label: 'listMessages()', run: (i) => listMessages(db, { roomId: room(i), limit: 50 }) },
      {
        label: 'PGlite query',
        run: (i) =>
          pg.query(
            `select id, chat_room_id, sender_user_id, sender_virtual_user_id, content, created_at, edited_at
               from messages where chat_room_id = $1 order by created_at desc, id desc limit 51`,
            [room(i)],
          ),
      },
      { iterations: s.iterations, target: '≤ 1.10×' },
    )
    rows.push({ id: '1', ...list, met: list.ratio <= 1.1 })

    // 3, small scale: 2,000 clustered vectors.
    const count = 2_000
    const vector = clusteredSource(20)
    const [owner] = await executeRows<{ id: string }>(db, sql`select id from general_users limit 1`)
    progress(`embedded: ${count} vectors`)
    await insertEmbeddings(db, {
      rows: Array.from({ length: count }, (_, i) => ({
        userId: (owner as { id: string }).id,
        content: `doc ${i}`,
        embedding: Array.from(vector(i)),
      })),
    })
    const queries = Array.from({ length: 10 }, (_, i) => Array.from(vector(QUERY_OFFSET + i)))
    const exact: Set<string>[] = []
    const exactMs: number[] = []
    for (const q of queries) {
      exactMs.push(
        await time(async () => {
          const found = await db.transaction(async (tx) => {
            await tx.execute(sql`set local enable_indexscan = off`)
            return executeRows<{ content: string }>(
              tx,
              sql`select content from embeddings order by embedding <=> ${JSON.stringify(q)}::extensions.vector limit 10`,
            )
          })
          exact.push(new Set(found.map((r) => r.content)))
        }),
      )
    }
    for (const ef of [40, 100, 200]) {
      let hits = 0
      const ms: number[] = []
      for (const [i, q] of queries.entries()) {
        let found: { content: string }[] = []
        ms.push(
          await time(
            async () => (found = await searchEmbeddings(db, { embedding: q, k: 10, efSearch: ef })),
          ),
        )
        hits += found.filter((r) => exact[i]?.has(r.content)).length
      }
      const S = stats(ms)
      const E = stats(exactMs)
      rows.push({
        id: '3',
        name: `PGlite top-10 of ${count}, ef_search ${ef}`,
        a: { label: `searchEmbeddings ef ${ef}`, ...S },
        b: { label: 'exact scan', ...E },
        ratio: S.p50 / E.p50,
        target: 'reported',
        result: `recall@10 ${(hits / (queries.length * 10)).toFixed(3)}`,
      })
    }
  } finally {
    await db.close()
  }
  return rows
}
