// A package script as a process the test can kill (test/run-script.ts waits for it instead).
import { type ChildProcess, spawn } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ScriptResult } from '../run-script'

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

export type ScriptProcess = {
  child: ChildProcess
  /** Output so far (for waiting on a line). */
  stdout(): string
  /** Settles when the process has exited; `code` is null after a signal. */
  done: Promise<ScriptResult & { signal: NodeJS.Signals | null }>
}

/** Starts `scripts/<script>.ts` the way `pnpm db:…` does; killed after `timeoutMs` at the latest. */
export function startScript(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): ScriptProcess {
  const started = performance.now()
  const child = spawn(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], {
    cwd: packageDir,
    // Empty values count as unset: the child must not inherit the test run's databases.
    env: { ...process.env, DATABASE_URL: '', PGLITE_DATA_DIR: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d) => {
    stdout += d
  })
  child.stderr?.on('data', (d) => {
    stderr += d
  })
  const done = new Promise<ScriptResult & { signal: NodeJS.Signals | null }>((settle, fail) => {
    child.on('error', fail)
    child.on('close', (code, signal) =>
      settle({ code, signal, stdout, stderr, ms: Math.round(performance.now() - started) }),
    )
  })
  return { child, stdout: () => stdout, done }
}
