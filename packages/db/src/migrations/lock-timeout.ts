// A migration statement that waits for a table lock (an ALTER TABLE behind a long read) queues
// every later query on that table behind it, for as long as it waits. So migrations run with a
// lock_timeout: when it expires, the migration fails (all of it rolls back) naming the table
// and the sessions in the way, or is retried a few times when asked.
import { MigrationError } from './migration-error.ts'
import type { SqlRunner } from './sql-runner.ts'

/** A few seconds: long enough for a busy table's short queries, short of an outage. */
export const DEFAULT_LOCK_TIMEOUT_MS = 5_000

/**
 * One line about the session `a` (a pg_stat_activity row): who holds a lock, for an error
 * message that lets someone find and end it.
 */
export const sessionSummary = `format('pid %s (%s, user %s, from %s, %s since %s%s)', a.pid,
    coalesce(nullif(a.application_name, ''), 'no application_name'), a.usename,
    coalesce(host(a.client_addr), 'local socket'), a.state,
    to_char(coalesce(a.xact_start, a.backend_start), 'YYYY-MM-DD HH24:MI:SS TZ'),
    case when a.query <> '' then ': ' || left(regexp_replace(a.query, '\\s+', ' ', 'g'), 60) else '' end)`

/** A statement of a migration that gave up waiting for a lock. */
export class LockTimeout extends Error {
  constructor(
    readonly file: string,
    readonly statement: string,
    readonly timeoutMs: number,
  ) {
    super(`${file}: lock timeout`)
  }
}

export const isLockTimeout = (error: unknown) =>
  (error as { code?: unknown } | null)?.code === '55P03'

const relationName =
  /\b(?:table|on|into|update|from|references|index\s+(?:concurrently\s+)?(?:if\s+not\s+exists\s+)?\S+\s+on)\s+(?:only\s+)?((?:"[^"]+"|[a-z_][\w$]*)(?:\.(?:"[^"]+"|[a-z_][\w$]*))?)/gi

/** The tables a statement names, as written (`"public"."messages"`, messages …). */
function relationsOf(statement: string): string[] {
  return [...new Set([...statement.matchAll(relationName)].map((m) => m[1] as string))]
}

/** One line: the tables the statement waited for and who holds locks on them now. */
export async function lockTimeoutError(
  db: SqlRunner,
  timeout: LockTimeout,
): Promise<MigrationError> {
  const names = relationsOf(timeout.statement)
  const rows = await db
    .query<{ relation: string; who: string }>(
      `select l.relation::regclass::text as relation, ${sessionSummary} as who
        from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.granted and l.pid <> pg_backend_pid()
          and l.relation = any (select to_regclass(n) from unnest($1::text[]) n)
        order by 1, a.xact_start`,
      [names],
    )
    .catch(() => [])
  const tables = [...new Set(rows.map((r) => r.relation))]
  const holders = [...new Set(rows.map((r) => r.who))]
  const what = tables.length > 0 ? tables.join(', ') : names.join(', ') || 'a table'
  const held = holders.length > 0 ? `, held by ${holders.join('; ')}` : ''
  const excerpt = timeout.statement.replace(/\s+/g, ' ').slice(0, 100)
  return new MigrationError(
    `${timeout.file}: waited more than ${timeout.timeoutMs / 1000} s for a lock on ${what}${held} ` +
      `(in: ${excerpt}); nothing was changed. Retry when that is done (DB_MIGRATE_LOCK_RETRIES ` +
      'retries by itself), or allow a longer wait with DB_MIGRATE_LOCK_TIMEOUT_MS',
  )
}
