// The exports map: every subpath an app may import exists, loads, and exports something.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const { exports } = JSON.parse(readFileSync(resolve(packageDir, 'package.json'), 'utf8')) as {
  exports: Record<string, string>
}

describe('@app/db exports map', () => {
  it('lists exactly the documented subpaths, with no wildcard', () => {
    expect(Object.keys(exports).sort()).toEqual(
      ['.', './client', './dto', './queries', './schema', './testing'].sort(),
    )
  })

  it.each(Object.entries(exports))('%s → %s exists and loads', async (_, target) => {
    const file = resolve(packageDir, target)
    expect(existsSync(file)).toBe(true)
    const module = await import(file)
    expect(Object.keys(module).length).toBeGreaterThan(0)
  })
})
