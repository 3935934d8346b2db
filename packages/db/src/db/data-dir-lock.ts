// One process at a time on an embedded data directory. PGlite takes no lock of its own, and two
// processes writing the same directory leave it unreadable (electric-sql/pglite#1106). The lock is
// a file beside the directory holding the owner's pid, the command and, for db:dev, its URL, so a
// second command can say what to do instead.
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { ConfigError } from '../errors/errors.ts'

type LockOwner = { pid: number; command: string; url?: string }

export type DataDirLock = { path: string; release(): void }

export function lockDataDir(dataDir: string, command: string, url?: string): DataDirLock {
  if (dataDir.startsWith('memory://')) return { path: '', release: () => {} }
  const path = `${dataDir.replace(/\/+$/, '')}.lock`
  mkdirSync(dirname(path), { recursive: true })
  const owner: LockOwner = { pid: process.pid, command, ...(url ? { url } : {}) }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(owner), { flag: 'wx' })
      let held = true
      const release = () => {
        if (!held) return
        held = false
        process.off('exit', release)
        try {
          unlinkSync(path)
        } catch {}
      }
      // Also on process.exit(): the lock must not outlive the process.
      process.on('exit', release)
      return { path, release }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const other = readOwner(path)
    if (other && isAlive(other.pid)) {
      const via = other.url
        ? `: stop it, or reach the database through it with DATABASE_URL=${other.url}`
        : ': stop it first'
      throw new ConfigError(
        `the embedded database at ${dataDir} is in use by ${other.command} (pid ${other.pid})${via}`,
      )
    }
    // Left by a process that is gone (killed, crashed): take it over.
    try {
      unlinkSync(path)
    } catch {}
  }
  throw new ConfigError(`could not lock ${path}: another process keeps taking it`)
}

/** Records the URL once the server listens, for the message a second command prints. */
export function describeLock(lock: DataDirLock, command: string, url: string): void {
  if (!lock.path) return
  writeFileSync(lock.path, JSON.stringify({ pid: process.pid, command, url } satisfies LockOwner))
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>
    return typeof parsed.pid === 'number' && typeof parsed.command === 'string'
      ? (parsed as LockOwner)
      : undefined
  } catch {
    return undefined
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
