// pnpm bench [--quick] [--fresh] [--skip-embedded]
// Side-by-side benchmarks of @app/db against raw Postgres on the server lane (DATABASE_URL,
// a superuser URL: the benchmark makes its own databases there), plus the embedded lane.
// Prints a table and writes a JSON report to bench-results/. Not part of `pnpm test`.
import { mkdirSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { run } from '../scripts/cli'
import { readEnv, repoRoot } from '../src/env'
import { embeddedLane } from './embedded'
import { progress } from './harness'
import {
  fixtures,
  ingest,
  migrations,
  queryModule,
  type Row,
  rowLevelSecurity,
  vectorSearch,
} from './measures'
import { openBenchDb, scales } from './setup'

const ms = (v: number) => (v >= 100 ? `${Math.round(v)} ms` : `${v.toFixed(2)} ms`)

function table(rows: Row[]) {
  const head = ['#', 'measure', 'A', 'A p50', 'B', 'B p50', 'A/B', 'target', 'result']
  const body = rows.map((r) => [
    r.id,
    r.name,
    r.a.label,
    ms(r.a.p50),
    r.b.label,
    ms(r.b.p50),
    `${r.ratio.toFixed(2)}×`,
    r.target ?? '',
    r.result ?? '',
  ])
  const widths = head.map((h, i) =>
    Math.max(h.length, ...body.map((row) => (row[i] as string).length)),
  )
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n')
}

run(async () => {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
      'skip-embedded': { type: 'boolean', default: false },
    },
  })
  const scale = scales[values.quick ? 'quick' : 'default']
  const adminUrl = readEnv().DATABASE_URL
  if (!adminUrl) {
    throw new Error('pnpm bench runs on the server lane: set DATABASE_URL (a superuser URL)')
  }
  const started = Date.now()
  const bench = await openBenchDb(adminUrl, scale, values.fresh)
  const rows: Row[] = []
  try {
    const f = await fixtures(bench)
    progress('1: query module vs postgres.js')
    rows.push(...(await queryModule(bench, f, scale)))
    progress('2: row level security')
    rows.push(...(await rowLevelSecurity(bench, f, scale)))
    progress('3: vector search')
    rows.push(...(await vectorSearch(bench, scale)))
  } finally {
    await bench.db.close()
    await bench.sql.end()
  }
  progress('4: bulk ingest')
  rows.push(...(await ingest(adminUrl, scale)))
  progress('5: migrations')
  rows.push(...(await migrations(adminUrl)))
  let embedded: Row[] = []
  if (!values['skip-embedded']) {
    progress('embedded lane')
    embedded = await embeddedLane(scale)
  }

  console.log(`\n@app/db benchmarks, ${scale.name} scale, server lane (A/B = ratio of medians)\n`)
  console.log(table(rows))
  if (embedded.length > 0) {
    console.log('\nembedded lane (PGlite)\n')
    console.log(table(embedded))
  }
  if (bench.build) console.log(`\nbuilt the benchmark database: ${JSON.stringify(bench.build)}`)
  const dir = resolve(repoRoot, 'bench-results')
  mkdirSync(dir, { recursive: true })
  const file = resolve(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${scale.name}.json`)
  writeFileSync(
    file,
    JSON.stringify(
      { scale, build: bench.build ?? null, server: rows, embedded, ms: Date.now() - started },
      null,
      2,
    ),
  )
  console.log(`\nreport: ${file} (${Math.round((Date.now() - started) / 1000)} s)`)
})
