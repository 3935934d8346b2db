// The destructive-change guard of `pnpm db:check`: a migration that can lose data or break the
// app that is running while it deploys must say so. It drops a table, a column, a policy, a type
// (drizzle-kit removes an enum value by dropping and recreating the enum) or a schema, empties a
// table, changes a column's type (it may narrow it), or adds NOT NULL to existing rows without a
// default: then the file needs a line `-- allow-destructive: <reason>`.
// Dropping a constraint, an index, a default or NOT NULL loses no data and is not flagged.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export type DestructiveChange = {
  file: string
  /** What it does, e.g. "drops a column". */
  kind: string
  /** The statement, comments removed, whitespace collapsed, cut at 160 characters. */
  statement: string
}

/** The acknowledgement: a comment line with a reason. */
const ACKNOWLEDGEMENT = /^[ \t]*--[ \t]*allow-destructive:[ \t]*(\S.*)$/m

/** Supabase CLI migration names; `meta/` and other files are not migrations. */
const MIGRATION_FILE = /^[0-9]+_.*\.sql$/

export function findDestructiveChanges(dir: string): DestructiveChange[] {
  return readdirSync(dir)
    .filter((name) => MIGRATION_FILE.test(name))
    .sort()
    .flatMap((name) => checkMigration(name, readFileSync(join(dir, name), 'utf8')))
}

/** The unacknowledged destructive statements of one migration file. */
export function checkMigration(file: string, text: string): DestructiveChange[] {
  if (ACKNOWLEDGEMENT.test(text)) return []
  return splitStatements(text).flatMap(({ shown, masked }) =>
    destructiveKinds(masked).map((kind) => ({ file, kind, statement: shown })),
  )
}

const IDENT = `(?:"_"|[A-Z_][A-Z0-9_$]*)`
const NAME = String.raw`${IDENT}(?:\s*\.\s*${IDENT})*`

/** What a statement does that needs an acknowledgement; `sql` is masked and upper-case. */
function destructiveKinds(sql: string): string[] {
  const simple: [RegExp, string][] = [
    [/^DROP\s+TABLE\b/, 'drops a table'],
    [/^DROP\s+POLICY\b/, 'drops a policy'],
    [/^DROP\s+TYPE\b/, 'drops a type (how an enum value is removed)'],
    [/^DROP\s+SCHEMA\b/, 'drops a schema'],
    [/^TRUNCATE\b/, 'empties a table'],
    [/^ALTER\s+TYPE\b.*\bDROP\s+VALUE\b/, 'drops an enum value'],
  ]
  const kinds = simple.filter(([pattern]) => pattern.test(sql)).map(([, kind]) => kind)
  const alter = new RegExp(
    String.raw`^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?${NAME}\s*\*?\s+(.*)$`,
    's',
  ).exec(sql)
  if (alter?.[1]) {
    for (const action of splitTopLevel(alter[1], ',')) kinds.push(...alterActionKinds(action))
  }
  return kinds
}

function alterActionKinds(action: string): string[] {
  const column = String.raw`(?:COLUMN\s+)?`
  if (/^DROP\s+/.test(action)) {
    const what = action.replace(/^DROP\s+/, '')
    return /^(CONSTRAINT|DEFAULT|NOT\s+NULL|IDENTITY|EXPRESSION)\b/.test(what)
      ? []
      : ['drops a column']
  }
  if (new RegExp(String.raw`^ALTER\s+${column}${IDENT}\s+(SET\s+DATA\s+)?TYPE\b`).test(action)) {
    return ["changes a column's type (it may narrow it)"]
  }
  if (new RegExp(String.raw`^ALTER\s+${column}${IDENT}\s+SET\s+NOT\s+NULL\b`).test(action)) {
    return ['sets NOT NULL on an existing column']
  }
  const add = new RegExp(
    String.raw`^ADD\s+(?!CONSTRAINT\b|PRIMARY\s+KEY\b|UNIQUE\b|CHECK\b|FOREIGN\s+KEY\b|EXCLUDE\b)${column}(?:IF\s+NOT\s+EXISTS\s+)?${IDENT}\s+(.*)$`,
    's',
  ).exec(action)
  if (add?.[1]) {
    const definition = add[1]
    // Existing rows get a value from a default, an identity, a generated expression or serial.
    const filled = /\b(DEFAULT|GENERATED|SERIAL|BIGSERIAL|SMALLSERIAL|SERIAL4|SERIAL8|SERIAL2)\b/
    if (/\b(NOT\s+NULL|PRIMARY\s+KEY)\b/.test(definition) && !filled.test(definition)) {
      return ['adds a NOT NULL column without a default']
    }
  }
  return []
}

/** Splits on `separator` outside parentheses (a column's CHECK (a, b) stays whole). */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '(') depth++
    else if (c === ')') depth = Math.max(0, depth - 1)
    else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts.map((p) => p.trim()).filter((p) => p.length > 0)
}

type Statement = {
  /** For people: comments removed, whitespace collapsed, at most 160 characters. */
  shown: string
  /** For matching: strings, dollar-quoted bodies and quoted names blanked; upper case. */
  masked: string
}

/**
 * Splits SQL into statements on `;` outside strings, quoted names, dollar quotes and comments,
 * so a function body or a string that mentions DROP TABLE is not mistaken for one.
 */
export function splitStatements(text: string): Statement[] {
  const statements: Statement[] = []
  let shown = ''
  let masked = ''
  const end = () => {
    const s = shown.replace(/\s+/g, ' ').trim()
    const m = masked.replace(/\s+/g, ' ').trim().toUpperCase()
    if (m.length > 0)
      statements.push({ shown: s.length > 160 ? `${s.slice(0, 157)}...` : s, masked: m })
    shown = ''
    masked = ''
  }
  let i = 0
  while (i < text.length) {
    const c = text[i] as string
    const rest = text.slice(i, i + 2)
    if (rest === '--') {
      const newline = text.indexOf('\n', i)
      i = newline === -1 ? text.length : newline
      shown += ' '
      masked += ' '
      continue
    }
    if (rest === '/*') {
      // Postgres block comments nest.
      let depth = 0
      let j = i
      while (j < text.length) {
        if (text.startsWith('/*', j)) {
          depth++
          j += 2
        } else if (text.startsWith('*/', j)) {
          depth--
          j += 2
          if (depth === 0) break
        } else j++
      }
      i = j
      shown += ' '
      masked += ' '
      continue
    }
    if (c === "'") {
      // E'…' strings escape with backslashes; standard strings double the quote.
      const escapes = /(^|[^A-Za-z0-9_])[eE]$/.test(text.slice(Math.max(0, i - 2), i))
      let j = i + 1
      while (j < text.length) {
        if (escapes && text[j] === '\\') j += 2
        else if (text[j] === "'" && text[j + 1] === "'") j += 2
        else if (text[j] === "'") break
        else j++
      }
      shown += text.slice(i, j + 1)
      masked += "''"
      i = j + 1
      continue
    }
    if (c === '"') {
      let j = i + 1
      while (j < text.length) {
        if (text[j] === '"' && text[j + 1] === '"') j += 2
        else if (text[j] === '"') break
        else j++
      }
      shown += text.slice(i, j + 1)
      masked += '"_"'
      i = j + 1
      continue
    }
    if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i))
      if (tag) {
        const close = text.indexOf(tag[0], i + tag[0].length)
        const j = close === -1 ? text.length : close + tag[0].length
        shown += text.slice(i, j)
        masked += '$$ $$'
        i = j
        continue
      }
    }
    if (c === ';') {
      end()
      i++
      continue
    }
    shown += c
    masked += c
    i++
  }
  end()
  return statements
}
