// pnpm db:check [--schema <file>] [--migrations <dir>] [--seed-sql <file>] [--supabase-types <file>]
// 1. Destructive changes: a migration statement that drops, renames, empties, rewrites rows,
//    cascades or runs opaque code carries `-- allow-destructive: <reason>` right above it
//    (scripts/destructive-guard.ts). squawk lints the migrations for locks and rewrites
//    (scripts/squawk.ts, .squawk.toml). Both skip the already-applied migrations of
//    migrations-baseline.txt. `--migrations` points this step at another folder.
// 2. sql/functions.sql as it is has been captured in a migration, after every table.
//    supabase/seed.sql is what `pnpm db:seed --sql` writes now.
// 3. drizzle-kit check: the migration snapshots are consistent.
// 4. Drift: the schema files and the committed migrations agree, i.e. `pnpm db:generate`
//    would write nothing. Generate runs on a scratch copy of the migrations, never the real one.
// --live instead compares the database itself with the migrations (scripts/check-live.ts).
import { spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readEnv } from '../src/db/env.ts'
import { functionsFile, migrationsDir } from '../src/migrations/files.ts'
import { functionsNotCaptured } from '../src/migrations/functions-capture.ts'
import { buildSeedSql, seedSqlFile } from '../src/seed/seed-sql.ts'
import { liveOptions, runLiveCheck } from './check-live.ts'
import { parseArgs, run } from './cli.ts'
import { checkMigrations } from './destructive-guard.ts'
import { type LintedMigration, migrationsToLint, readBaseline } from './migration-baseline.ts'
import { runSquawk, type SquawkFinding, squawkBinary } from './squawk.ts'
import { supabaseTypesFile, supabaseTypesOfMigrations } from './supabase-types.ts'

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')
// The package's own drizzle-kit (linked by pnpm): its CLI is not an importable export.
const kit = join(packageDir, 'node_modules/drizzle-kit/bin.cjs')

function drizzleKit(args: string[]) {
  return spawnSync(process.execPath, [kit, ...args], {
    cwd: packageDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    // generate asks interactively about renames; with no terminal it must not hang CI.
    timeout: 120_000,
  })
}

/**
 * squawk on the migrations not in the baseline. Without a squawk binary: an error in CI, a
 * warning elsewhere (a laptop on a platform npm has no squawk package for).
 */
function lintMigrations(files: LintedMigration[]): SquawkFinding[] {
  const env = readEnv()
  const binary = squawkBinary(env.SQUAWK_PATH)
  if (!binary) {
    const missing = env.SQUAWK_PATH
      ? `no squawk at SQUAWK_PATH=${env.SQUAWK_PATH}`
      : `no squawk binary for ${process.platform}-${process.arch} (npm squawk-cli's platform package)`
    const fix = env.SQUAWK_PATH ? 'fix SQUAWK_PATH' : 'run pnpm install'
    if (env.CI) throw new Error(`${missing}: the migration lint cannot run in CI; ${fix}`)
    console.error(`db:check: warning: ${missing}: migration lint skipped (set SQUAWK_PATH)`)
    return []
  }
  const findings = runSquawk(
    binary,
    files.map((m) => m.path),
  )
  if (files.length === 0) console.log('db:check: squawk: no migration after the baseline to lint')
  else if (findings.length === 0) {
    console.log(`db:check: squawk finds no lock or rewrite hazard in ${files.length} migration(s)`)
  }
  return findings
}

run(async () => {
  const { values } = parseArgs({
    options: {
      schema: { type: 'string' },
      migrations: { type: 'string' },
      'seed-sql': { type: 'string' },
      'supabase-types': { type: 'string' },
      ...liveOptions,
    },
  })
  if (values.live) return runLiveCheck(values)
  const schema = resolve(values.schema ?? join(packageDir, 'src/schema.ts'))

  const guarded = values.migrations ? resolve(values.migrations) : migrationsDir
  // Read once, for the guard and for squawk.
  const linted = migrationsToLint(guarded, readBaseline())
  const destructive = checkMigrations(linted)
  if (destructive.length > 0) {
    console.error('db:check: destructive changes without an acknowledgement:')
    for (const d of destructive) console.error(`  ${d.file}:${d.line}: ${d.kind}: ${d.statement}`)
  } else console.log('db:check: no unacknowledged destructive changes in the migrations')

  const squawk = lintMigrations(linted)
  if (squawk.length > 0) {
    console.error('db:check: squawk (locks and rewrites):')
    for (const f of squawk) console.error(`  ${f.file}:${f.line}: ${f.rule}: ${f.message}`)
  }

  const failures: string[] = []
  if (destructive.length > 0) {
    const files = new Set(destructive.map((d) => d.file)).size
    failures.push(
      `${destructive.length} destructive change(s) or acknowledgement problem(s) in ${files} ` +
        'migration(s): if intended, put `-- allow-destructive: <reason>` on the line right above ' +
        'each statement; else change the migration',
    )
  }
  if (squawk.length > 0) {
    failures.push(
      `${squawk.length} squawk finding(s): change the migration, or, where the table is small ` +
        'enough, put `-- squawk-ignore <rule>` right above the statement, with a comment why',
    )
  }
  if (failures.length > 0) throw new Error(failures.join('; '))

  const notCaptured = functionsNotCaptured(guarded, functionsFile)
  if (notCaptured) {
    throw new Error(`${notCaptured}: run pnpm db:generate, which captures it in a migration`)
  }
  console.log('db:check: the migrations hold sql/functions.sql as it is')

  const seedSql = await buildSeedSql()
  const seedPath = values['seed-sql'] ? resolve(values['seed-sql']) : seedSqlFile
  if (!existsSync(seedPath) || readFileSync(seedPath, 'utf8') !== seedSql) {
    throw new Error('supabase/seed.sql is not what the seed plan gives: run pnpm db:seed --sql')
  }
  console.log('db:check: supabase/seed.sql is the seed plan')

  const check = drizzleKit(['check', '--config', 'drizzle.config.ts'])
  if (check.status !== 0) {
    throw new Error(`drizzle-kit check failed:\n${check.stdout}${check.stderr}`)
  }
  console.log('db:check: migration snapshots are consistent')

  const scratch = mkdtempSync(join(tmpdir(), 'app-db-check-'))
  try {
    const out = join(scratch, 'migrations')
    cpSync(migrationsDir, out, { recursive: true })
    const config = join(scratch, 'drizzle.config.json')
    const base = (await import('../drizzle.config.ts')).default
    // drizzle-kit reads `out` relative to the working directory, even an absolute one.
    writeFileSync(config, JSON.stringify({ ...base, schema, out: relative(packageDir, out) }))
    const before = new Set(readdirSync(out))
    const generate = drizzleKit(['generate', '--config', config, '--name', 'drift'])
    if (generate.error || generate.status !== 0) {
      throw new Error(
        'schema and migrations disagree, and drizzle-kit needs an answer (a rename?): ' +
          `run pnpm db:generate yourself. ${generate.stderr.trim().split('\n').pop() ?? ''}`,
      )
    }
    const added = readdirSync(out).filter((f) => f.endsWith('.sql') && !before.has(f))
    // drizzle-kit can fail and still exit 0: trust only its "nothing to do" or a new file.
    if (added.length === 0 && !/No schema changes/i.test(generate.stdout)) {
      throw new Error(`drizzle-kit generate failed:\n${generate.stdout}${generate.stderr}`)
    }
    if (added.length > 0) {
      const statements = readFileSync(join(out, added[0] as string), 'utf8')
        .split('--> statement-breakpoint')
        .map((s) => `  ${s.trim().replace(/\s+/g, ' ').slice(0, 160)}`)
      console.error('db:check: the schema has changes that no migration holds:')
      console.error(statements.join('\n'))
      throw new Error(
        'schema and migrations disagree: run `pnpm db:generate` and commit the migration',
      )
    }
    console.log('db:check: schema and migrations agree (generate would write nothing)')
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  const types = await supabaseTypesOfMigrations(values.migrations ? guarded : undefined)
  const typesPath = values['supabase-types'] ? resolve(values['supabase-types']) : supabaseTypesFile
  if (!existsSync(typesPath) || readFileSync(typesPath, 'utf8') !== types) {
    throw new Error(
      `${relative(process.cwd(), typesPath)} is not the Database type the migrations give: run pnpm db:types`,
    )
  }
  console.log("db:check: the supabase-js Database type is the migrations' own")
})
