import { readEnv } from '../../src/db/env.ts'

/**
 * Whether to skip a suite whose prerequisite is missing: outside CI it is skipped with a
 * warning; with CI=true nothing skips, the missing prerequisite fails the run.
 */
export function skipWithout(suite: string, unsupported: string | undefined): boolean {
  if (!unsupported) return false
  if (readEnv().CI) throw new Error(`${suite}: ${unsupported} (CI=true: nothing may skip)`)
  console.warn(`${suite} skipped: ${unsupported}`)
  return true
}
