// The migration lint of db:check for locks and rewrites: squawk (npm squawk-cli, its binary in a
// platform package), configured by .squawk.toml (Postgres 15, in a transaction, the rules that do
// not fit and why). One finding per line: file, line, rule, message.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const squawkConfig = join(packageDir, '.squawk.toml')

export type SquawkFinding = { file: string; line: number; rule: string; message: string }

/**
 * The squawk binary: `override` (SQUAWK_PATH) or the one npm's squawk-cli installed for this
 * platform; undefined when there is none.
 */
export function squawkBinary(override?: string): string | undefined {
  if (override) return existsSync(override) ? override : undefined
  try {
    // The platform package is squawk-cli's optional dependency, found from squawk-cli itself.
    const cli = createRequire(join(packageDir, 'package.json')).resolve('squawk-cli/package.json')
    const binary = process.platform === 'win32' ? 'squawk.exe' : 'squawk'
    return createRequire(cli).resolve(
      `@squawk-cli/${process.platform}-${process.arch}/bin/${binary}`,
    )
  } catch {
    return undefined
  }
}

type JsonFinding = {
  file: string
  line: number
  message: string
  help: string | null
  rule_name: string
}

/** squawk's findings in `files` (absolute paths), reported under their base names. */
export function runSquawk(binary: string, files: string[]): SquawkFinding[] {
  if (files.length === 0) return []
  const result = spawnSync(binary, ['--config', squawkConfig, '--reporter', 'json', ...files], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  })
  let parsed: JsonFinding[] | undefined
  try {
    parsed = JSON.parse(result.stdout) as JsonFinding[]
  } catch {}
  // Exit 0: nothing found; 1: findings (in the JSON); anything else is squawk failing.
  if (!Array.isArray(parsed) || (result.status !== 0 && result.status !== 1)) {
    const why = result.error?.message ?? result.stderr.trim().split('\n').pop() ?? ''
    throw new Error(`squawk (${binary}) failed: ${why || `exit ${result.status}`}`)
  }
  return parsed.map((f) => ({
    file: f.file.split('/').pop() ?? f.file,
    // squawk's JSON counts lines from 0.
    line: f.line + 1,
    rule: f.rule_name,
    message: f.help ? `${f.message} ${f.help}` : f.message,
  }))
}
