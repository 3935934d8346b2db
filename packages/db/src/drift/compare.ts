// Two catalogs (catalog.ts) compared: one line per difference, naming the object, what differs
// and both values, e.g. `policy "x" on public.messages: USING differs: live (…) vs repo (…)`.
import type { CatalogObject } from './catalog.ts'

type Catalog = Map<string, CatalogObject>

/** The lines, sorted by object so related ones sit together. */
export function compareCatalogs(live: Catalog, repo: Catalog): string[] {
  const lines: { name: string; line: string }[] = []
  const names = [...new Set([...live.keys(), ...repo.keys()])].sort()
  for (const name of names) {
    const l = live.get(name)
    const r = repo.get(name)
    if (l && r) {
      for (const label of [...new Set([...Object.keys(l.attrs), ...Object.keys(r.attrs)])]) {
        const [a, b] = [l.attrs[label], r.attrs[label]]
        if (a !== b) {
          const [x, y] = excerpts(a ?? 'none', b ?? 'none')
          lines.push({ name, line: `${name}: ${label} differs: live (${x}) vs repo (${y})` })
        }
      }
      continue
    }
    const object = (l ?? r) as CatalogObject
    // A missing table's columns and policies are that table's line, not lines of their own.
    const parent = object.parent
    if (parent && !(live.has(parent) && repo.has(parent))) continue
    if (l && !r) {
      if (!l.platform) lines.push({ name, line: `${name}: only on the live database` })
    } else {
      lines.push({ name, line: `${name}: missing on the live database (the repo has it)` })
    }
  }
  return lines.map((l) => l.line)
}

const WIDTH = 100

/**
 * Both values on one line each: whitespace collapsed and, when long, cut to the part around
 * their first difference (a function body differs in one line, not in its first 100 chars).
 */
function excerpts(a: string, b: string): [string, string] {
  const x = a.replace(/\s+/g, ' ').trim()
  const y = b.replace(/\s+/g, ' ').trim()
  if (x === y) return [`${cut(a, 0)} [whitespace differs]`, cut(b, 0)]
  if (x.length <= WIDTH && y.length <= WIDTH) return [x, y]
  let at = 0
  while (at < x.length && x[at] === y[at]) at++
  const start = Math.max(0, at - 30)
  return [cut(x, start), cut(y, start)]
}

function cut(text: string, start: number): string {
  const one = text.replace(/\s+/g, ' ').trim()
  const part = one.slice(start, start + WIDTH)
  return `${start > 0 ? '…' : ''}${part}${start + WIDTH < one.length ? '…' : ''}`
}
