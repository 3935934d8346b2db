// The destructive-change guard of `pnpm db:check`: a migration statement that can lose data or
// break the app versions still running while it deploys must say so, on the comment line(s)
// right above it:
//
//   -- allow-destructive: <reason>
//   DROP TABLE "legacy_links";
//
// An acknowledgement covers only the statement directly below it (comment lines, such as
// drizzle-kit's `--> statement-breakpoint` or a `-- squawk-ignore`, may sit between; a blank
// line or code may not), needs a reason, and one that covers no destructive statement is
// reported too: a stale acknowledgement would silently cover the next change put below it.
//
// Flagged: every DROP but DROP INDEX / DROP STATISTICS (tables, columns, views, materialized
// views, sequences, functions, procedures, triggers, policies, types, schemas, extensions:
// `DROP EXTENSION vector CASCADE` drops every embedding column), TRUNCATE, DELETE, UPDATE,
// MERGE and upserts, every rename and SET SCHEMA (running app versions still use the old
// name), a column type change, NOT NULL on existing rows, a restarted sequence, RLS or a
// trigger disabled, CASCADE anywhere but a foreign key's ON DELETE/UPDATE, and code the guard
// cannot read: DO blocks, CALL and top-level SELECT. Each action of a multi-action ALTER TABLE
// is checked. Dropping a constraint, an index, a default or NOT NULL loses no data and passes.
//
// Why DML with a WHERE counts too: a backfill or clean-up touches whatever rows production has,
// which the file cannot show, and a wrong WHERE (`where id = id`) deletes everything. Saying in
// one line which rows and why is cheap; finding out afterwards is not.
//
// What the guard cannot see: what a function does when a default, an index, a constraint or a
// trigger calls it. Function bodies are code, reviewed as such; DO/CALL/SELECT run code now,
// so they need an acknowledgement.
import {
  type LintedMigration,
  type MigrationBaseline,
  migrationsToLint,
} from './migration-baseline.ts'
import { type SqlComment, type SqlStatement, splitSql } from './sql-statements.ts'

export type DestructiveChange = {
  file: string
  /** 1-based line of the statement (or of the acknowledgement that is wrong). */
  line: number
  /** What it does, e.g. "drops a column". */
  kind: string
  /** The statement, comments removed, whitespace collapsed, cut at 160 characters. */
  statement: string
}

/** A comment that means to be an acknowledgement, well-formed or not. */
const ACK_ATTEMPT = /^--\s*allow-destructive\b/i
const ACK = /^--\s*allow-destructive\s*:\s*\S/i

const ACK_PROBLEMS = {
  noReason: 'acknowledgement without a reason (write `-- allow-destructive: <reason>`)',
  notAbove: 'acknowledgement not directly above a statement (a blank line or code in between)',
  stale: 'acknowledgement of a statement that is not destructive (it covers only the next one)',
  nothingBelow: 'acknowledgement with no statement below it',
} as const

/**
 * The unacknowledged destructive statements and wrong acknowledgements of every migration in
 * `dir`, except the already-applied ones of the baseline (they cannot change any more).
 */
export function findDestructiveChanges(
  dir: string,
  baseline: MigrationBaseline = new Map(),
): DestructiveChange[] {
  return checkMigrations(migrationsToLint(dir, baseline))
}

/** The same for migrations already read (db:check reads them once for the guard and squawk). */
export function checkMigrations(files: LintedMigration[]): DestructiveChange[] {
  return files.flatMap((m) => checkMigration(m.name, m.text))
}

/** The unacknowledged destructive statements and wrong acknowledgements of one migration. */
export function checkMigration(file: string, text: string): DestructiveChange[] {
  const { statements, trailing } = splitSql(text)
  const found: DestructiveChange[] = []
  const ackProblem = (comment: SqlComment, kind: string) =>
    found.push({ file, line: comment.line, kind, statement: comment.text })
  for (const statement of statements) {
    const kinds = destructiveKinds(statement.masked)
    let acknowledged = false
    for (const comment of statement.leading.filter((c) => ACK_ATTEMPT.test(c.text))) {
      if (!ACK.test(comment.text)) ackProblem(comment, ACK_PROBLEMS.noReason)
      else if (!directlyAbove(comment, statement)) ackProblem(comment, ACK_PROBLEMS.notAbove)
      else if (kinds.length === 0) ackProblem(comment, ACK_PROBLEMS.stale)
      else acknowledged = true
    }
    for (const comment of statement.inner.filter((c) => ACK_ATTEMPT.test(c.text))) {
      ackProblem(comment, ACK_PROBLEMS.notAbove)
    }
    if (acknowledged) continue
    for (const kind of kinds) {
      found.push({ file, line: statement.line, kind, statement: statement.shown })
    }
  }
  for (const comment of trailing.filter((c) => ACK_ATTEMPT.test(c.text))) {
    ackProblem(comment, ACK_PROBLEMS.nothingBelow)
  }
  return found.sort((a, b) => a.line - b.line)
}

/** On a line of its own, with only comment lines between it and the statement. */
function directlyAbove(ack: SqlComment, statement: SqlStatement): boolean {
  if (!ack.ownLine) return false
  const commentLines = new Set(statement.leading.filter((c) => c.ownLine).map((c) => c.line))
  for (let line = ack.line + 1; line < statement.line; line++) {
    if (!commentLines.has(line)) return false
  }
  return ack.line < statement.line
}

const IDENT = String.raw`(?:"_"|[^\s"(),.;*]+)`
const NAME = String.raw`${IDENT}(?:\.${IDENT})*`

const EXPAND_CONTRACT =
  'running app versions still use the old name; instead add the new one, backfill it, switch ' +
  'the readers, and drop the old one in a later migration'

/** Statement-level changes; `sql` is masked (see SqlStatement). */
const STATEMENT_KINDS: [RegExp, string][] = [
  [/^DROP TABLE\b/, 'drops a table'],
  [/^DROP FOREIGN TABLE\b/, 'drops a foreign table'],
  [/^DROP MATERIALIZED VIEW\b/, 'drops a materialized view'],
  [/^DROP VIEW\b/, 'drops a view'],
  [/^DROP SEQUENCE\b/, 'drops a sequence (a default may use it; recreated, it counts from 1)'],
  [
    /^DROP (FUNCTION|PROCEDURE|ROUTINE|AGGREGATE)\b/,
    'drops a function (defaults, triggers, policies and the app may call it)',
  ],
  [/^DROP (EVENT )?TRIGGER\b/, 'drops a trigger (what it enforces or fills in stops)'],
  [/^DROP POLICY\b/, 'drops a policy'],
  [/^DROP TYPE\b/, 'drops a type (how an enum value is removed)'],
  [/^DROP DOMAIN\b/, 'drops a domain'],
  [/^DROP SCHEMA\b/, 'drops a schema'],
  [
    /^DROP EXTENSION\b/,
    'drops an extension (with CASCADE every column of its types: vector drops the embeddings)',
  ],
  [/^DROP (ROLE|USER|GROUP)\b/, 'drops a role'],
  [/^DROP OWNED\b/, 'drops every object a role owns'],
  [/^TRUNCATE\b/, 'empties a table'],
  [/^ALTER TYPE\b.*\bDROP (VALUE|ATTRIBUTE)\b/, 'drops an enum value or a type attribute'],
  [/^ALTER SEQUENCE\b.*\bRESTART\b/, 'restarts a sequence (new ids may collide with old rows)'],
  [/\bMERGE INTO\b/, 'merges into a table (may rewrite or delete existing rows)'],
  [/\bDO UPDATE SET\b/, 'rewrites existing rows (INSERT … ON CONFLICT DO UPDATE)'],
  [/^DO\b/, 'runs a DO block (code the guard cannot read: it may drop or delete anything)'],
  [/^CALL\b/, 'calls a procedure (code the guard cannot read: it may drop or delete anything)'],
  [
    /^(SELECT|VALUES|EXECUTE|WITH\b(?!.*\b(DELETE FROM|UPDATE|INSERT|MERGE)\b))\b/,
    'runs a query (the functions it calls may change anything; the guard cannot read them)',
  ],
]

/** The object an ALTER statement alters, for a rename's message. */
const ALTERED = /^ALTER (MATERIALIZED VIEW|FOREIGN TABLE|EVENT TRIGGER|TEXT SEARCH \S+|\S+)/

/** What a statement does that needs an acknowledgement; `sql` is masked (see SqlStatement). */
function destructiveKinds(sql: string): string[] {
  const kinds = STATEMENT_KINDS.filter(([pattern]) => pattern.test(sql)).map(([, kind]) => kind)

  if (/^DROP /.test(sql) && kinds.length === 0 && !/^DROP (INDEX|STATISTICS)\b/.test(sql)) {
    kinds.push(`drops ${article(/^DROP (\S+)/.exec(sql)?.[1]?.toLowerCase() ?? 'object')}`)
  }

  const deleted = /\bDELETE FROM\b/.test(sql)
  const updated = new RegExp(
    String.raw`\bUPDATE (?:ONLY )?${NAME}(?: \*)?(?: (?:AS )?${IDENT})? SET\b`,
  ).test(sql)
  if (deleted || updated) {
    const verb = deleted ? 'deletes' : 'rewrites'
    kinds.push(/\bWHERE\b/.test(sql) ? `${verb} existing rows` : `${verb} every row (no WHERE)`)
  }

  const altered = ALTERED.exec(sql)?.[1]?.toLowerCase()
  if (altered && /\bRENAME\b/.test(sql)) {
    const part = /\bRENAME (CONSTRAINT|VALUE|ATTRIBUTE)\b/.exec(sql)?.[1]?.toLowerCase()
    const what = /\bRENAME TO\b/.test(sql) ? altered : part === 'value' ? 'enum value' : part
    kinds.push(`renames ${article(what ?? 'column')}: ${EXPAND_CONTRACT}`)
  }
  if (altered && /\bSET SCHEMA\b/.test(sql)) {
    kinds.push(`moves ${article(altered)} to another schema: ${EXPAND_CONTRACT}`)
  }

  const alter = new RegExp(
    String.raw`^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?${NAME}(?: \*)? (.*)$`,
  ).exec(sql)
  if (alter?.[1]) {
    for (const action of splitTopLevel(alter[1], ',')) kinds.push(...alterActionKinds(action))
  }

  // A foreign key's ON DELETE/UPDATE CASCADE is a rule for later deletes, not a drop now; and
  // DROP POLICY … CASCADE (drizzle-kit writes it) has no effect: nothing depends on a policy.
  const cascade = sql.replace(/\bON (DELETE|UPDATE) CASCADE\b/g, '')
  if (/\bCASCADE\b/.test(cascade) && !/^DROP POLICY\b/.test(sql)) {
    kinds.push('CASCADE (also drops, empties or revokes whatever depends on it)')
  }
  return kinds
}

function article(noun: string): string {
  return `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`
}

function alterActionKinds(action: string): string[] {
  const column = '(?:COLUMN )?'
  if (/^DROP /.test(action)) {
    const what = action.replace(/^DROP /, '')
    return /^(CONSTRAINT|DEFAULT|NOT NULL|IDENTITY|EXPRESSION)\b/.test(what)
      ? []
      : ['drops a column']
  }
  if (new RegExp(String.raw`^ALTER ${column}${IDENT} (SET DATA )?TYPE\b`).test(action)) {
    return [
      "changes a column's type (it may narrow it, and it rewrites the table under ACCESS EXCLUSIVE)",
    ]
  }
  if (new RegExp(String.raw`^ALTER ${column}${IDENT} SET NOT NULL\b`).test(action)) {
    return ['sets NOT NULL on an existing column (every row is scanned under ACCESS EXCLUSIVE)']
  }
  if (/^DETACH PARTITION\b/.test(action)) return ['detaches a partition (its rows leave the table)']
  if (/^DISABLE ROW LEVEL SECURITY\b/.test(action)) {
    return ['disables row level security (every role with a grant sees every row)']
  }
  if (/^DISABLE TRIGGER\b/.test(action)) return ['disables a trigger (what it enforces stops)']
  const add = new RegExp(
    String.raw`^ADD (?!CONSTRAINT\b|PRIMARY KEY\b|UNIQUE\b|CHECK\b|FOREIGN KEY\b|EXCLUDE\b)${column}(?:IF NOT EXISTS )?${IDENT} (.*)$`,
  ).exec(action)
  if (add?.[1]) {
    const definition = add[1]
    // Existing rows get a value from a default, an identity, a generated expression or serial.
    const filled = /\b(DEFAULT|GENERATED|SERIAL|BIGSERIAL|SMALLSERIAL|SERIAL4|SERIAL8|SERIAL2)\b/
    if (/\b(NOT NULL|PRIMARY KEY)\b/.test(definition) && !filled.test(definition)) {
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
