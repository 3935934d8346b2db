// Splits a migration into statements the way Postgres reads it, for the destructive-change
// guard: on `;` outside strings, quoted names, dollar-quoted bodies and comments, so a function
// body or a string that mentions DROP TABLE is not mistaken for one, and a semicolon inside a
// string ends nothing. Keeps the `--` comments above each statement (acknowledgements live
// there) and where each statement starts.

export type SqlComment = {
  /** 1-based line of the comment. */
  line: number
  /** From `--` to the end of the line, trimmed. */
  text: string
  /** Nothing but whitespace before it on its line (drizzle's `;--> statement-breakpoint` is not). */
  ownLine: boolean
}

export type SqlStatement = {
  /** 1-based line of the statement's first token. */
  line: number
  /** For people: comments removed, whitespace collapsed, at most 160 characters. */
  shown: string
  /**
   * For matching: strings, dollar-quoted bodies and quoted names blanked (`''`, `$$ $$`,
   * `"_"`), comments removed, upper case, one space between tokens and none around dots.
   */
  masked: string
  /** The `--` comments between the previous statement and this one. */
  leading: SqlComment[]
  /** The `--` comments between this statement's tokens. */
  inner: SqlComment[]
}

export type SplitSql = {
  statements: SqlStatement[]
  /** The `--` comments after the last statement. */
  trailing: SqlComment[]
}

/** A character that continues an unquoted identifier (so `x$a$` is a name, not a dollar quote). */
const IDENT_CHAR = /[\p{L}\p{N}_$]/u

export function splitSql(text: string): SplitSql {
  const statements: SqlStatement[] = []
  const lineStarts = [0]
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1)
  const lineOf = (offset: number) => {
    let lo = 0
    let hi = lineStarts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((lineStarts[mid] as number) <= offset) lo = mid
      else hi = mid - 1
    }
    return lo + 1
  }

  let shown = ''
  let masked = ''
  let start = -1
  let leading: SqlComment[] = []
  let inner: SqlComment[] = []
  const begin = (i: number) => {
    if (start === -1) start = i
  }
  const end = () => {
    const m = normalize(masked)
    if (m.length > 0 && start !== -1) {
      const s = shown.replace(/\s+/g, ' ').trim()
      statements.push({
        line: lineOf(start),
        shown: s.length > 160 ? `${s.slice(0, 157)}...` : s,
        masked: m,
        leading,
        inner,
      })
      leading = []
    } else {
      // An empty statement (`;;`): its comments stay with whatever comes next.
      leading.push(...inner)
    }
    inner = []
    shown = ''
    masked = ''
    start = -1
  }

  let i = 0
  while (i < text.length) {
    const c = text[i] as string
    const two = text.slice(i, i + 2)
    if (two === '--') {
      const newline = text.indexOf('\n', i)
      const stop = newline === -1 ? text.length : newline
      const lineStart = lineStarts[lineOf(i) - 1] as number
      const comment = {
        line: lineOf(i),
        text: text.slice(i, stop).trim(),
        ownLine: text.slice(lineStart, i).trim() === '',
      }
      ;(start === -1 ? leading : inner).push(comment)
      i = stop
      shown += ' '
      masked += ' '
      continue
    }
    if (two === '/*') {
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
    if (/\s/.test(c)) {
      shown += c
      masked += c
      i++
      continue
    }
    begin(i)
    const before = text[i - 1] ?? ''
    if (c === "'") {
      // E'…' strings escape with backslashes; standard strings double the quote.
      const escapes = /[eE]/.test(before) && !IDENT_CHAR.test(text[i - 2] ?? '')
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
      masked += ' "_" '
      i = j + 1
      continue
    }
    if (c === '$' && !IDENT_CHAR.test(before)) {
      const tag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(i))
      if (tag) {
        const close = text.indexOf(tag[0], i + tag[0].length)
        const j = close === -1 ? text.length : close + tag[0].length
        shown += text.slice(i, j)
        masked += ' $$ $$ '
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
    masked += /[(),]/.test(c) ? ` ${c} ` : c
    i++
  }
  end()
  return { statements, trailing: leading }
}

/** One space between tokens, none around dots; U&"…" names and their UESCAPE as plain `"_"`. */
function normalize(masked: string): string {
  return masked
    .toUpperCase()
    .replace(/\s+/g, ' ')
    .replace(/ ?\. ?/g, '.')
    .replace(/(^|[^\p{L}\p{N}_$])U& "_"/gu, '$1"_"')
    .replace(/"_" UESCAPE ''/g, '"_"')
    .trim()
}
