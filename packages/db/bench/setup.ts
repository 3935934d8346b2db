// The benchmark database: created on the server of DATABASE_URL, migrated, seeded with seed()
// at the chosen scale, and loaded with clustered vectors. Kept between runs (seeding a million
// messages takes minutes) and rebuilt when its scale or the migrations differ, or with --fresh.
import postgres from 'postgres'
import { createDb, type Db } from '../src/db/client.ts'
import { copyEmbeddings } from '../src/domains/ai/copy.ts'
import { readMigrations } from '../src/migrations/files.ts'
import { migrate } from '../src/migrations/migrate.ts'
import { openTarget } from '../src/migrations/target.ts'
import { seed } from '../src/seed/index.ts'
import { progress, time } from './harness.ts'
import { clusteredSource } from './vectors.ts'

export type BenchScale = {
  name: 'quick' | 'default'
  /** seed() scale: users = 20 × scale, messages = 200 × scale. */
  seedScale: number
  rooms: number
  vectors: number
  /** Owners of the vectors: per-user search runs over vectors / vectorUsers rows. */
  vectorUsers: number
  clusters: number
  queries: number
  iterations: number
  /** Rows per side and chunk in the ingest comparison. */
  ingestChunk: number
  ingestChunks: number
}

export const scales: Record<BenchScale['name'], BenchScale> = {
  // CI smoke test: every measure runs on small data, in well under a minute.
  quick: {
    name: 'quick',
    seedScale: 25,
    rooms: 50,
    vectors: 2_000,
    vectorUsers: 10,
    clusters: 20,
    queries: 10,
    iterations: 30,
    ingestChunk: 500,
    ingestChunks: 2,
  },
  // The sizes: 100k users, 1M messages in 10k rooms, 100k × 1536 vectors.
  default: {
    name: 'default',
    seedScale: 5_000,
    rooms: 10_000,
    vectors: 100_000,
    vectorUsers: 100,
    clusters: 100,
    queries: 50,
    iterations: 200,
    ingestChunk: 20_000,
    ingestChunks: 5,
  },
}

/** What a kept database was built from: the scale and the newest migration. */
const markerOf = (scale: BenchScale) =>
  JSON.stringify({ ...scale, migrations: readMigrations().at(-1)?.name ?? null })

export function databaseUrl(adminUrl: string, name: string) {
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

export type BenchDb = { db: Db; sql: postgres.Sql; url: string; build?: Record<string, number> }

/** A client on the benchmark database, (re)built when needed. */
export async function openBenchDb(
  adminUrl: string,
  scale: BenchScale,
  fresh: boolean,
): Promise<BenchDb> {
  const name = `app_db_bench_${scale.name}`
  const url = databaseUrl(adminUrl, name)
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
  let build: Record<string, number> | undefined
  try {
    const [found] = await admin<{ ok: boolean }[]>`
      select exists (select 1 from pg_database where datname = ${name}) as ok`
    let ready = !fresh && found?.ok === true
    if (ready) {
      const probe = postgres(url, { max: 1, onnotice: () => {} })
      const marker = await probe<{ scale: string }[]>`select scale from bench.meta`.catch(() => [])
      await probe.end()
      ready = marker[0]?.scale === markerOf(scale)
    }
    if (!ready) {
      progress(`building ${name}: migrate, seed, vectors (kept for the next run)`)
      await admin.unsafe(`drop database if exists "${name}" with (force)`)
      await admin.unsafe(`create database "${name}"`)
      build = await buildDatabase(url, scale)
    } else {
      progress(`reusing ${name} (--fresh rebuilds it)`)
    }
  } finally {
    await admin.end()
  }
  const sql = postgres(url, { max: 2, onnotice: () => {} })
  return { db: createDb({ url, maxConnections: 4 }), sql, url, ...(build ? { build } : {}) }
}

async function buildDatabase(url: string, scale: BenchScale): Promise<Record<string, number>> {
  const build: Record<string, number> = {}
  const target = await openTarget({ url })
  try {
    await migrate(target.runner)
  } finally {
    await target.close()
  }
  const db = createDb({ url, maxConnections: 2 })
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    let last = 0
    build.seedMs = await time(() =>
      seed(db, {
        scale: scale.seedScale,
        sizes: { privateRooms: scale.rooms / 2, groupRooms: scale.rooms / 2, embeddings: 0 },
        onProgress: ({ table, done, total }) => {
          if (Date.now() - last > 3_000 || done === total) {
            last = Date.now()
            progress(`seed ${table}: ${done}/${total}`)
          }
        },
      }),
    )
    // Vectors: loaded without the HNSW index (bulk-load practice), which is built after.
    const owners = await sql<{ id: string }[]>`
      select id from general_users order by id limit ${scale.vectorUsers}`
    const vector = clusteredSource(scale.clusters)
    // The index exactly as the migrations define it, rebuilt after the load.
    const [hnsw] = await sql<{ def: string }[]>`
      select pg_get_indexdef('public.embeddings_embedding_hnsw_idx'::regclass) as def`
    await sql`drop index if exists embeddings_embedding_hnsw_idx`
    build.vectorCopyMs = await time(() =>
      copyEmbeddings(
        db,
        (function* () {
          for (let i = 0; i < scale.vectors; i++) {
            if (i % 20_000 === 0) progress(`vectors: ${i}/${scale.vectors}`)
            yield {
              userId: (owners[i % owners.length] as { id: string }).id,
              content: `doc ${i}`,
              embedding: vector(i),
            }
          }
        })(),
      ),
    )
    progress('building the HNSW index')
    build.hnswBuildMs = await time(async () => {
      await sql.begin(async (tx) => {
        await tx`set local maintenance_work_mem = '2GB'`
        await tx.unsafe((hnsw as { def: string }).def)
      })
    })
    await sql`analyze`
    await sql`create schema if not exists bench`
    await sql`create table bench.meta (scale text not null, build jsonb not null)`
    await sql`insert into bench.meta values (${markerOf(scale)}, ${sql.json(build)})`
  } finally {
    await sql.end()
    await db.close()
  }
  return build
}
