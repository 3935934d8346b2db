// Runs a package script (scripts/*.ts) as its own process, the way `pnpm db:…` does.
import { spawn } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')

export type ScriptResult = { code: number | null; stdout: string; stderr: string; ms: number }

export function runScript(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<ScriptResult> {
  const started = performance.now()
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], {
      cwd: packageDir,
      // Empty values count as unset: the child must not inherit the test run's databases.
      env: { ...process.env, DATABASE_URL: '', PGLITE_DATA_DIR: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('error', fail)
    child.on('close', (code) =>
      done({ code, stdout, stderr, ms: Math.round(performance.now() - started) }),
    )
  })
}
