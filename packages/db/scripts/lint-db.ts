// pnpm db:lint: the security lints (src/lints) against DATABASE_URL or the embedded database.
// Exit 1 when any ERROR or WARN is found.

import { lockDataDir } from '../src/db/data-dir-lock.ts'
import { defaultDataDir, readEnv } from '../src/db/env.ts'
import { runSecurityLints } from '../src/lints/security-lints.ts'
import { openTarget } from '../src/migrations/target.ts'
import { run } from './cli.ts'

run(async () => {
  const env = readEnv()
  const url = env.DATABASE_URL
  // One process per embedded data directory: db:dev or db:studio may be serving it.
  const lock = url ? undefined : lockDataDir(env.PGLITE_DATA_DIR ?? defaultDataDir, 'db:lint')
  const target = await openTarget({
    url,
    dataDir: env.PGLITE_DATA_DIR,
    tool: 'db:lint',
    transactionPooler: env.DB_TRANSACTION_POOLER,
  })
  try {
    const findings = await runSecurityLints(target.runner)
    console.log(`db:lint → ${target.label}`)
    for (const f of findings) console.log(`  ${f.level.padEnd(5)} ${f.lint}: ${f.object}`)
    const failing = findings.filter((f) => f.level !== 'INFO')
    if (failing.length > 0) throw new Error(`${failing.length} security lint(s) at ERROR or WARN`)
    console.log(`  no ERROR or WARN (${findings.length} INFO)`)
  } finally {
    await target.close()
    lock?.release()
  }
})
