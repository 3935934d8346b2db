// docs/queries.md is the query reference: every function @app/db/queries exports has its entry,
// and no entry names a function that is gone.
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as queries from '../../src/queries.ts'

const doc = readFileSync(
  resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/queries.md'),
  'utf8',
)
const documented = [...doc.matchAll(/^### (\w+)$/gm)].map((m) => m[1] as string)
const exported = Object.entries(queries)
  .filter(([, value]) => typeof value === 'function')
  .map(([name]) => name)

describe('the query reference', () => {
  it('documents every exported query function, once', () => {
    expect([...documented].sort()).toEqual([...new Set(exported)].sort())
  })

  it('names for each what it takes, as a params object or the arguments', () => {
    for (const name of documented) {
      const entry = doc.split(`### ${name}\n`)[1]?.split('\n### ')[0] ?? ''
      expect(entry.trim(), name).toMatch(/^`[({]/)
    }
  })
})
