// Statements built once per process, run on whatever handle a query function is given.
//
// A Drizzle query builder builds its SQL text again on every call (about a third of a short
// query's time on the server lane), and Drizzle's own `.prepare()` keeps the built query bound
// to the session it was made on: it cannot be reused inside an rls() transaction, where an app
// runs nearly every query. So this keeps what `.prepare()` keeps (the built `Query` with
// placeholders, the selected fields that map the rows, array mode), recorded once from Drizzle's
// own builder, and hands it on each call to the session of the database or transaction passed
// in: `session.prepareQuery(…).execute(values)`, the same path a builder's `await` takes. So the
// SQL text, the row mapping, the errors (DrizzleQueryError around the driver's), logging and
// the driver's settings (`prepare: false` behind a transaction pooler) are the builder's own.
//
// Nothing here is prepared on the server by name: like an awaited builder, the query runs
// unnamed, and the client's own `prepare` setting decides (postgres-resilience.ts).
import {
  Column,
  getTableColumns,
  is,
  Param,
  type Placeholder,
  type Query,
  SQL,
  sql,
  type Table,
} from 'drizzle-orm'
import {
  PgDatabase,
  PgDialect,
  PgInsertBase,
  PgPreparedQuery,
  type PgQueryResultHKT,
  PgSession,
  PgUpdateBase,
  type PreparedQueryConfig,
} from 'drizzle-orm/pg-core'
import { decodesWithoutParsers, withoutParsers } from './embedded-row-decoding.ts'
import { rowsOf } from './rows.ts'
import { casing, type DatabaseOrTransaction } from './types.ts'

/** What `session.prepareQuery` takes: what a builder's `_prepare()` hands its session. */
type PrepareArgs = Parameters<PgSession['prepareQuery']>

/** One statement as Drizzle's builder left it: everything its execution needs but the values. */
export type BuiltStatement = {
  query: Query
  fields: PrepareArgs[1]
  arrayMode: boolean
  customResultMapper: PrepareArgs[4]
  metadata: PrepareArgs[5]
  cacheConfig: PrepareArgs[6]
  /** Which joined tables may come back all-null (a left join): the select's row mapping reads it. */
  joinsNotNullableMap?: Record<string, boolean>
  /** Whether PGlite may decode its rows without Drizzle's parsers (embedded-row-decoding.ts). */
  decodesWithoutParsers?: boolean
}

/**
 * A builder's prepared query as recorded: the select builder sets `joinsNotNullableMap` on the
 * object its session returns (drizzle-orm 0.45 pg-core select.js/update.js `_prepare`), so this
 * is where it lands. Never executed.
 */
class RecordedQuery extends PgPreparedQuery<PreparedQueryConfig> {
  joinsNotNullableMap?: Record<string, boolean>
  constructor(readonly args: PrepareArgs) {
    super(args[0], undefined, args[5], args[6])
  }
  execute(): Promise<never> {
    return Promise.reject(new Error('statement-cache: a recorded statement is never executed'))
  }
}

/** A session that only records what a builder would have run: the build side of the cache. */
class RecordingSession extends PgSession {
  prepareQuery<T extends PreparedQueryConfig>(...args: PrepareArgs): PgPreparedQuery<T> {
    // The recorder never executes, so the result type it promises is never observed.
    return new RecordedQuery(args) as unknown as PgPreparedQuery<T>
  }
  transaction(): Promise<never> {
    return Promise.reject(
      new Error('statement-cache: a cached statement cannot open a transaction'),
    )
  }
}

/** The package's dialect, with the casing drizzleOptions gives every handle. */
const dialect = new PgDialect({ casing })
const recorder: PgDatabase<PgQueryResultHKT> = new PgDatabase(
  dialect,
  new RecordingSession(dialect),
  undefined,
)

/** What a statement is built with: Drizzle's query builders, on a session that only records. */
export type StatementBuilder = Pick<
  PgDatabase<PgQueryResultHKT>,
  'select' | 'selectDistinct' | 'insert' | 'update' | 'delete' | '$with' | 'with'
>

/**
 * The parameters of a statement, by name. `$('limit')` is sent as given; `$('before',
 * messages.createdAt)` is encoded as the column encodes what it is compared with (a Date as
 * ISO text), which a builder does for `eq(column, value)` but not for a bare placeholder.
 */
export type Params<P> = {
  <K extends keyof P & string>(name: K): Placeholder<K, P[K]>
  <K extends keyof P & string>(name: K, column: Column): Param
}

/** A builder that Drizzle can prepare: a select, insert, update or delete. */
type Preparable = { prepare(name: string): PgPreparedQuery<PreparedQueryConfig> }
type ResultOf<Q> = Q extends { prepare(name: string): PgPreparedQuery<infer C> }
  ? C['execute']
  : never

export type Statement<P, R> = {
  /** Where it shows in tests and the benchmark. */
  readonly name: string
  /** Runs on the pool, inside rls(), or in a caller's transaction, whichever `db` is. */
  run(db: DatabaseOrTransaction, values: P): Promise<R>
  /** The built statement (built now if it was not yet). */
  built(): BuiltStatement
  /** How many times it was built: 1 once used, in any number of calls, on any handle. */
  readonly builds: number
}

const params = ((name: string, column?: Column) =>
  column === undefined
    ? sql.placeholder(name)
    : new Param(sql.placeholder(name), column)) as Params<Record<string, unknown>>

const registry = new Map<string, Statement<never, unknown>>()
/** A statement by its name (for the benchmark and tests). */
export function statementNamed(name: string): Statement<never, unknown> {
  const found = registry.get(name)
  if (!found) throw new Error(`statement-cache: no statement ${name}`)
  return found
}

/** `result` turns what the session returns into the statement's result (default: as is). */
function define<P, R>(
  name: string,
  build: () => BuiltStatement,
  result: (raw: unknown) => R = (raw) => raw as R,
): Statement<P, R> {
  let built: BuiltStatement | undefined
  let builds = 0
  const get = () => {
    if (built === undefined) {
      built = build()
      builds++
    }
    return built
  }
  const statement: Statement<P, R> = {
    name,
    get builds() {
      return builds
    },
    built: get,
    async run(db, values) {
      const b = get()
      const prepared = db._.session.prepareQuery(
        b.query,
        b.fields,
        undefined,
        b.arrayMode,
        b.customResultMapper,
        b.metadata,
        b.cacheConfig,
      )
      if (b.joinsNotNullableMap) {
        // Drizzle marks this property internal; its builders set it the same way after
        // prepareQuery (pinned by test/queries/statement-cache.test.ts).
        ;(
          prepared as unknown as { joinsNotNullableMap: Record<string, boolean> }
        ).joinsNotNullableMap = b.joinsNotNullableMap
      }
      if (b.decodesWithoutParsers) withoutParsers(db, prepared)
      return result(await prepared.execute(values as Record<string, unknown>))
    },
  }
  // Names are how tests and the benchmark find a statement: two of one name would hide one.
  if (registry.has(name)) throw new Error(`statement-cache: two statements named ${name}`)
  registry.set(name, statement as Statement<never, unknown>)
  return statement
}

/**
 * The columns whose value the builder computes each time it builds, from `$onUpdate` (an
 * update that does not set them) or `$defaultFn` (an insert that leaves them out): a cached
 * statement would keep the first call's value (`updated_at` frozen). A function that returns
 * `sql` (say `now()`) is fine. Reads the builders' `config`, which Drizzle does not type;
 * an insert or update whose config is not where drizzle-orm 0.45 keeps it is refused, so a
 * change of Drizzle's internals fails loudly (test/queries/statement-cache.test.ts).
 */
function computedWhileBuilding(builder: Preparable): string[] {
  const type = is(builder, PgUpdateBase)
    ? 'update'
    : is(builder, PgInsertBase)
      ? 'insert'
      : undefined
  if (type === undefined) return []
  const config = (
    builder as unknown as { config?: { table?: Table; set?: object; values?: unknown } }
  ).config
  if (!config?.table || (type === 'update' ? !config.set : config.values === undefined)) {
    throw new Error('statement-cache: drizzle-orm keeps an insert or update config elsewhere')
  }
  const given =
    type === 'update'
      ? [config.set as object]
      : Array.isArray(config.values)
        ? (config.values as object[])
        : []
  const frozen: string[] = []
  for (const [key, column] of Object.entries(getTableColumns(config.table))) {
    const fn = type === 'update' ? column.onUpdateFn : column.defaultFn
    if (!fn || given.every((row) => key in row)) continue
    if (!is(fn(), SQL)) frozen.push(key)
  }
  return frozen
}

/**
 * Row mapping for the common case, a flat list of columns (`select(getTableColumns(t))`,
 * `returning()`): what Drizzle's mapResultRow does for such a selection (each value `null` or
 * through its column's mapFromDriverValue, keyed by the field's name), with the per-value work
 * of finding the decoder and walking the path done once here instead of for every value of
 * every row. It was about two thirds of what the module added to a 51-row page. Anything
 * else (nested objects, joins, sql fields) keeps Drizzle's own mapper.
 */
function flatRowMapper(fields: PrepareArgs[1]): PrepareArgs[4] {
  if (!fields || fields.length === 0) return undefined
  const columns: { key: string; column: Column }[] = []
  for (const { path, field } of fields) {
    const [key] = path
    if (path.length !== 1 || key === undefined || !is(field, Column)) return undefined
    columns.push({ key, column: field })
  }
  return (rows) =>
    rows.map((row) => {
      const result: Record<string, unknown> = {}
      for (let i = 0; i < columns.length; i++) {
        const { key, column } = columns[i] as { key: string; column: Column }
        const value = row[i]
        result[key] = value === null ? null : column.mapFromDriverValue(value)
      }
      return result
    })
}

/**
 * A query-builder statement, built on first use. Annotate `$` with the values' type:
 * `cached('chat.send', (q, $: Params<{ roomId: string }>) => q.insert(…).values({ … }))`.
 */
export function cached<P, Q extends Preparable>(
  name: string,
  build: (q: StatementBuilder, $: Params<P>) => Q,
): Statement<P, ResultOf<Q>> {
  return define(name, () => {
    const built = build(recorder, params as Params<P>)
    const prepared = built.prepare(name)
    if (!(prepared instanceof RecordedQuery)) {
      throw new Error(`statement-cache: ${name} was not built through the recording session`)
    }
    const [query, fields, , arrayMode, customResultMapper, metadata, cacheConfig] = prepared.args
    const frozen = computedWhileBuilding(built)
    if (frozen.length > 0) {
      throw new Error(
        `statement-cache: ${name} has values computed while building, which the cache would freeze at the first call (${frozen.join(', ')}: $onUpdate / $defaultFn): set them from parameters`,
      )
    }
    return {
      query: { sql: query.sql, params: query.params },
      fields,
      arrayMode,
      customResultMapper: customResultMapper ?? flatRowMapper(fields),
      metadata,
      cacheConfig,
      decodesWithoutParsers: decodesWithoutParsers(fields),
      ...(prepared.joinsNotNullableMap
        ? { joinsNotNullableMap: prepared.joinsNotNullableMap }
        : {}),
    }
  })
}

/**
 * A raw `sql` statement (what the builder cannot express), built on first use; its rows come
 * back as the driver returns them, on either driver (as executeRows in rows.ts).
 */
export function cachedSql<P, Row extends Record<string, unknown>>(
  name: string,
  build: ($: Params<P>) => SQL<Row>,
): Statement<P, Row[]> {
  return define<P, Row[]>(
    name,
    () => {
      const { sql: text, params: values } = dialect.sqlToQuery(build(params as Params<P>))
      return {
        query: { sql: text, params: values },
        fields: undefined,
        arrayMode: false,
        customResultMapper: undefined,
        metadata: undefined,
        cacheConfig: undefined,
      }
    },
    // db.execute's shape on either driver, as executeRows() reads it.
    (raw) => rowsOf<Row>(raw),
  )
}
