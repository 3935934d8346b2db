// Runs a package script (scripts/*.ts) as its own process, the way `pnpm db:…` does.
import { type ChildProcess, spawn } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')

export type ScriptResult = { code: number | null; stdout: string; stderr: string; ms: number }
/** `code` is null and `signal` set when the process was killed. */
export type ScriptExit = ScriptResult & { signal: NodeJS.Signals | null }

export type ScriptProcess = {
  process: ChildProcess
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string
  /** Settles when the process has exited and its output is complete. */
  done: Promise<ScriptExit>
}

function spawnScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  options: { timeoutMs?: number; detached?: boolean },
): ScriptProcess {
  const started = performance.now()
  const child = spawn(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], {
    cwd: packageDir,
    // Empty values count as unset: the child must not inherit the test run's databases.
    env: { ...process.env, DATABASE_URL: '', PGLITE_DATA_DIR: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
    ...(options.timeoutMs ? { timeout: options.timeoutMs, killSignal: 'SIGKILL' as const } : {}),
  })
  let stdout = ''
  let stderr = ''
  let output = ''
  child.stdout?.on('data', (d) => {
    stdout += d
    output += d
  })
  child.stderr?.on('data', (d) => {
    stderr += d
    output += d
  })
  const done = new Promise<ScriptExit>((settle, fail) => {
    child.on('error', fail)
    child.on('close', (code, signal) =>
      settle({ code, signal, stdout, stderr, ms: Math.round(performance.now() - started) }),
    )
  })
  return { process: child, output: () => output, done }
}

/** Runs a script to its end (killed after `timeoutMs` at the latest). */
export async function runScript(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<ScriptResult> {
  const { code, stdout, stderr, ms } = await spawnScript(script, args, env, { timeoutMs }).done
  return { code, stdout, stderr, ms }
}

/**
 * A script the test stops itself: a long-running one (db:dev, db:studio) or one it kills
 * mid-way (db:migrate in the stress suite). In its own process group.
 */
export function startScript(script: string, args: string[], env: Record<string, string>) {
  const handle = spawnScript(script, args, env, { detached: true })
  const { process: child, output } = handle
  // 'exit', not 'close': a child process of the script may hold the output pipes a while.
  const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
  return {
    ...handle,
    async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        const match = output().match(pattern)
        if (match) return match
        if (child.exitCode !== null) throw new Error(`${script} exited early:\n${output()}`)
        await new Promise((r) => setTimeout(r, 100))
      }
      throw new Error(`${script}: no ${pattern} within ${timeoutMs} ms:\n${output()}`)
    },
    exited(timeoutMs: number): Promise<number | null> {
      return Promise.race([
        exit,
        new Promise<never>((_, fail) =>
          setTimeout(() => fail(new Error(`${script} still running:\n${output()}`)), timeoutMs),
        ),
      ])
    },
  }
}
