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

/** A script as a long-running process (db:dev, db:studio) in its own process group, output collected. */
export function startScript(script: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], {
    cwd: packageDir,
    env: { ...process.env, DATABASE_URL: '', PGLITE_DATA_DIR: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let out = ''
  child.stdout?.on('data', (d) => {
    out += d
  })
  child.stderr?.on('data', (d) => {
    out += d
  })
  const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
  return {
    process: child,
    output: () => out,
    async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        const match = out.match(pattern)
        if (match) return match
        if (child.exitCode !== null) throw new Error(`${script} exited early:\n${out}`)
        await new Promise((r) => setTimeout(r, 100))
      }
      throw new Error(`${script}: no ${pattern} within ${timeoutMs} ms:\n${out}`)
    },
    exited(timeoutMs: number) {
      return Promise.race([
        exit,
        new Promise<never>((_, fail) =>
          setTimeout(() => fail(new Error(`${script} still running:\n${out}`)), timeoutMs),
        ),
      ])
    },
  }
}
