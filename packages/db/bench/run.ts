// pnpm bench [--quick] [--fresh] [--skip-embedded] [--only 1,7]
// Side-by-side benchmarks of @app/db against raw Postgres on the server lane (DATABASE_URL,
// a superuser URL: the benchmark makes its own databases there), plus the embedded lane.
// Prints a table and writes a JSON report to bench-results/. Not part of `pnpm test`.
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { run } from '../scripts/cli.ts'
import { readEnv, repoRoot } from '../src/db/env.ts'
import { embeddedLane } from './embedded.ts'
import { progress } from './harness.ts'
import {
  fixtures,
  ingest,
  migrations,
  queryModule,
  type Row,
  rowLevelSecurity,
  vectorSearch,
} from './measures.ts'
import { roundTrips } from './round-trips.ts'
import { type BenchDb, openBenchDb, scales } from './setup.ts'
import {
  embeddedStatementCacheRows,
  perUserVectorRows,
  statementCacheRows,
} from './statement-cache.ts'

const ms = (v: number) => (v >= 100 ? `${Math.round(v)} ms` : `${v.toFixed(2)} ms`)

/** A median of few samples is said to be one: p50 (n=8). */
const FEW_SAMPLES = 20
const median = (side: { p50: number; n: number }) =>
  side.n < FEW_SAMPLES ? `${ms(side.p50)} (n=${side.n})` : ms(side.p50)

function table(rows: Row[]) {
  const head = ['#', 'measure', 'A', 'A p50', 'B', 'B p50', 'A/B', 'target', 'verdict', 'result']
  const body = rows.map((r) => [
    r.id,
    r.name,
    r.a.label,
    median(r.a),
    r.b.label,
    median(r.b),
    `${r.ratio.toFixed(2)}×`,
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'met' : 'MISSED',
    r.result ?? '',
  ])
  const widths = head.map((h, i) =>
    Math.max(h.length, ...body.map((row) => (row[i] as string).length)),
  )
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n')
}

type ServerInfo = { version: string; pgvector: string; shared_buffers: string; cores: number }

/** What the numbers depend on besides the code: printed with them and kept in the report. */
async function serverInfo(b: BenchDb): Promise<ServerInfo> {
  const [row] = await b.sql<{ version: string; pgvector: string; shared_buffers: string }[]>`
    select current_setting('server_version') as version, current_setting('shared_buffers') as shared_buffers,
           (select extversion from pg_extension where extname = 'vector') as pgvector`
  return { ...(row as Omit<ServerInfo, 'cores'>), cores: availableParallelism() }
}

run(async () => {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
      'skip-embedded': { type: 'boolean', default: false },
      // Measure numbers to run (1–7; 7 includes 7a–7d): one measure's loop without the rest.
      only: { type: 'string' },
    },
  })
  const only = values.only?.split(',').map((n) => n.trim())
  const unknown = only?.filter((n) => !/^[1-7]$/.test(n)) ?? []
  if (unknown.length > 0) {
    throw new Error(
      `pnpm bench --only takes measure numbers 1–7 (7 includes 7a–7d), got ${unknown.join(', ')}`,
    )
  }
  const wants = (n: number) => !only || only.includes(String(n))
  const scale = scales[values.quick ? 'quick' : 'default']
  const adminUrl = readEnv().DATABASE_URL
  if (!adminUrl) {
    throw new Error('pnpm bench runs on the server lane: set DATABASE_URL (a superuser URL)')
  }
  const started = Date.now()
  const bench = await openBenchDb(adminUrl, scale, values.fresh)
  const rows: Row[] = []
  let server: ServerInfo | undefined
  try {
    server = await serverInfo(bench)
    const f = await fixtures(bench)
    if (wants(1)) {
      progress('1: query module vs postgres.js')
      rows.push(...(await queryModule(bench, f, scale)))
    }
    if (wants(2)) {
      progress('2: row level security')
      rows.push(...(await rowLevelSecurity(bench, f, scale)))
    }
    if (wants(3)) {
      progress('3: vector search')
      rows.push(...(await vectorSearch(bench, scale)))
    }
    const room = f.rooms[0]
    if (wants(6) && room) {
      progress('6: round trips on the wire')
      rows.push(...(await roundTrips(bench, room, scale)))
    }
    if (wants(7)) {
      progress('7: statements built once')
      rows.push(...(await statementCacheRows(bench, f.rooms, scale)))
    }
  } finally {
    await bench.db.close()
    await bench.sql.end()
  }
  if (wants(4)) {
    progress('4: bulk ingest')
    rows.push(...(await ingest(adminUrl, scale)))
  }
  if (wants(5)) {
    progress('5: migrations')
    rows.push(...(await migrations(adminUrl)))
  }
  if (wants(7)) rows.push(...(await perUserVectorRows(adminUrl, scale)))
  const embedded: Row[] = []
  if (!values['skip-embedded']) {
    progress('embedded lane')
    // The embedded lane's own rows repeat measures 1, 3 and 5 on PGlite.
    if ([1, 3, 5].some(wants)) embedded.push(...(await embeddedLane(scale)))
    if (wants(7)) embedded.push(...(await embeddedStatementCacheRows(scale)))
  }

  console.log(`\n@app/db benchmarks, ${scale.name} scale, server lane (A/B = ratio of medians)`)
  console.log(`server: ${JSON.stringify(server)}\n`)
  console.log(table(rows))
  if (embedded.length > 0) {
    console.log('\nembedded lane (PGlite)\n')
    console.log(table(embedded))
  }
  const missed = [...rows, ...embedded].filter((r) => r.met === false)
  console.log(
    missed.length === 0
      ? '\nevery target met'
      : `\ntargets MISSED: ${missed.map((r) => `${r.id} ${r.name}`).join('; ')}`,
  )
  if (bench.build) console.log(`\nbuilt the benchmark database: ${JSON.stringify(bench.build)}`)
  const dir = resolve(repoRoot, 'bench-results')
  mkdirSync(dir, { recursive: true })
  const file = resolve(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${scale.name}.json`)
  writeFileSync(
    file,
    JSON.stringify(
      {
        scale,
        serverInfo: server ?? null,
        build: bench.build ?? null,
        server: rows,
        embedded,
        ms: Date.now() - started,
      },
      null,
      2,
    ),
  )
  console.log(`\nreport: ${file} (${Math.round((Date.now() - started) / 1000)} s)`)
})
