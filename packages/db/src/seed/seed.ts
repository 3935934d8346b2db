// Writes a seed plan into a migrated database, on either driver, in one transaction: a failed
// seed leaves nothing behind. Users go through the real sign-up path, an insert into auth.users
// whose trigger (the auth hook) makes the general_users rows; the rest is written as trusted
// server code would, as the database owner.
import { type SQL, sql } from 'drizzle-orm'
import { type Database, executeRows, type Transaction } from '../db/client.ts'
import { DbError } from '../errors/errors.ts'
import * as schema from '../schema.ts'
import { appTables, emptyAppData, qualifiedName } from './app-tables.ts'
import {
  planSeed,
  type SeedAuthUser,
  type SeedOptions,
  type SeedPlan,
  type SeedSizes,
} from './plan.ts'

/** Postgres binds at most 65,535 parameters per statement; stay below. */
export const MAX_BIND_PARAMETERS = 65_534

export class SeedError extends DbError {
  override name = 'SeedError'
}

export type SeedProgress = { table: string; done: number; total: number }

export type SeedRunOptions = SeedOptions & {
  /** Empty the app's tables and auth.users first. Without it, a database with data is refused. */
  reset?: boolean
  /** Called after every batch. */
  onProgress?: (progress: SeedProgress) => void
  /** Cap on rows per INSERT (tests use a small one to cross batch boundaries). */
  maxRowsPerStatement?: number
  /**
   * Drop the vector (HNSW / IVFFlat) indexes of embeddings while loading and build them again
   * after: one build is far faster than maintaining the graph on every insert (10k embeddings:
   * ~45 s of inserts with the index). Default: from 5,000 embeddings on.
   */
  rebuildVectorIndexes?: boolean
}

export type SeedSummary = {
  seed: number
  scale: number
  sizes: SeedSizes
  /** Rows written per table (auth.users included). */
  rows: Record<string, number>
  /** Milliseconds per table, in the order written. */
  tableMs: Record<string, number>
  reset: boolean
  ms: number
}

export async function seed(db: Database, options: SeedRunOptions = {}): Promise<SeedSummary> {
  const started = performance.now()
  const seedValue = options.seed ?? 1
  const scale = options.scale ?? 1
  if (!Number.isSafeInteger(seedValue)) throw new SeedError('seed must be an integer')
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new SeedError('scale must be a positive number')
  }
  let plan: SeedPlan
  try {
    plan = planSeed({ seed: seedValue, scale, sizes: options.sizes })
  } catch (error) {
    throw error instanceof RangeError ? new SeedError(error.message) : error
  }
  const rows: Record<string, number> = {}
  const tableMs: Record<string, number> = {}
  const progress = options.onProgress ?? (() => {})

  await db.transaction(async (tx) => {
    await assertMigrated(tx)
    // Demo rooms have no subscribers yet: no Realtime broadcast per seeded message
    // (migration room_broadcasts).
    await tx.execute(sql`select set_config('app_db.broadcasts', 'off', true)`)
    if (options.reset) await emptyAppData(tx)
    else await assertEmpty(tx)

    /**
     * Inserts in batches that stay under the bind-parameter limit: the parameters per row are
     * the keys of a row (drizzle binds each value; a missing key becomes DEFAULT, unbound).
     */
    const write = async <T extends object>(
      table: string,
      items: Iterable<T>,
      total: number,
      insert: (batch: T[]) => Promise<unknown>,
      { rowCap = 5_000, paramsPerRow = (row: T) => Object.keys(row).length } = {},
    ) => {
      const t0 = performance.now()
      let size = 0
      let done = 0
      let batch: T[] = []
      const flush = async () => {
        if (batch.length === 0) return
        await insert(batch)
        done += batch.length
        batch = []
        progress({ table, done, total })
      }
      for (const item of items) {
        if (size === 0) {
          const cap = Math.min(rowCap, options.maxRowsPerStatement ?? rowCap)
          size = Math.max(1, Math.min(cap, Math.floor(MAX_BIND_PARAMETERS / paramsPerRow(item))))
        }
        batch.push(item)
        if (batch.length >= size) await flush()
      }
      await flush()
      rows[table] = done
      tableMs[table] = Math.round(performance.now() - t0)
    }

    const t = schema
    await write(
      'auth.users',
      plan.authUsers,
      plan.authUsers.length,
      (b) => insertAuthUsers(tx, b),
      {
        paramsPerRow: () => AUTH_USER_PARAMETERS,
      },
    )
    await write('organizations', plan.organizations, plan.organizations.length, (b) =>
      tx.insert(t.organizations).values(b),
    )
    await write('corporate_users', plan.corporateUsers, plan.corporateUsers.length, (b) =>
      tx.insert(t.corporateUsers).values(b),
    )
    await write(
      'general_user_profiles',
      plan.generalUserProfiles,
      plan.generalUserProfiles.length,
      (b) => tx.insert(t.generalUserProfiles).values(b),
    )
    await write('addresses', plan.addresses, plan.addresses.length, (b) =>
      tx.insert(t.addresses).values(b),
    )
    await write('virtual_users', plan.virtualUsers, plan.virtualUsers.length, (b) =>
      tx.insert(t.virtualUsers).values(b),
    )
    await write(
      'virtual_user_profiles',
      plan.virtualUserProfiles,
      plan.virtualUserProfiles.length,
      (b) => tx.insert(t.virtualUserProfiles).values(b),
    )
    await write('chat_rooms', plan.chatRooms, plan.chatRooms.length, (b) =>
      tx.insert(t.chatRooms).values(b),
    )
    await write('user_chats', plan.userChats, plan.userChats.length, (b) =>
      tx.insert(t.userChats).values(b),
    )
    await write('virtual_user_chats', plan.virtualUserChats, plan.virtualUserChats.length, (b) =>
      tx.insert(t.virtualUserChats).values(b),
    )
    await write('messages', plan.messages(), plan.sizes.messages, (b) =>
      tx.insert(t.messages).values(b),
    )
    const rebuild = options.rebuildVectorIndexes ?? plan.sizes.embeddings >= 5_000
    const vectorIndexes = rebuild ? await dropVectorIndexes(tx, 'public.embeddings') : []
    // ~20 KB of text per vector: a smaller batch keeps each statement a few MB.
    await write(
      'embeddings',
      plan.embeddings(),
      plan.sizes.embeddings,
      // Seeded ids are part of the deterministic content; the column is GENERATED ALWAYS.
      (b) => tx.insert(t.embeddings).overridingSystemValue().values(b),
      { rowCap: 200 },
    )
    if (vectorIndexes.length > 0) {
      const t0 = performance.now()
      progress({ table: 'embeddings (building the vector index)', done: 0, total: 1 })
      // pgvector builds an HNSW graph fast while it fits in maintenance_work_mem and far slower
      // after (100k × 1536 with the default 64MB: over 5 minutes). ~8 KB per element, at most
      // 1GB, never lowered; transaction-local.
      const memory = `${Math.min(1024, Math.ceil((plan.sizes.embeddings * 8) / 1024))}MB`
      await tx.execute(
        sql`select set_config('maintenance_work_mem', ${memory}, true)
            where pg_size_bytes(current_setting('maintenance_work_mem')) < pg_size_bytes(${memory})`,
      )
      for (const definition of vectorIndexes) await tx.execute(sql.raw(definition))
      tableMs['embeddings (vector index build)'] = Math.round(performance.now() - t0)
    }
    // The ids were given explicitly: move the identity past them, or the app's next insert
    // would collide with id 1.
    await tx.execute(
      sql`select setval(pg_get_serial_sequence('public.embeddings', 'id'), greatest((select max(id) from public.embeddings), 1), (select count(*) > 0 from public.embeddings))`,
    )
  })

  return {
    seed: seedValue,
    scale,
    sizes: plan.sizes,
    rows,
    tableMs,
    reset: options.reset ?? false,
    ms: Math.round(performance.now() - started),
  }
}

/** The values insertAuthUsers binds per user (the rest are literals). */
const AUTH_USER_PARAMETERS = 8

/**
 * As Supabase Auth's sign-up writes them (the token columns '' rather than NULL, which Supabase
 * Auth cannot read). No password: the users exist to browse and to act as through rls().
 */
async function insertAuthUsers(tx: Transaction, users: SeedAuthUser[]) {
  const values: SQL[] = users.map(
    (u) => sql`(${'00000000-0000-0000-0000-000000000000'}::uuid, ${u.id}::uuid, 'authenticated',
      'authenticated', ${u.email}, ${u.createdAt.toISOString()}::timestamptz,
      ${JSON.stringify({ provider: 'email', providers: ['email'] })}::jsonb,
      ${JSON.stringify(u.metadata)}::jsonb, ${u.createdAt.toISOString()}::timestamptz,
      ${u.createdAt.toISOString()}::timestamptz, '', '', '', '')`,
  )
  await tx.execute(sql`insert into auth.users (instance_id, id, aud, role, email,
    email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
    confirmation_token, recovery_token, email_change_token_new, email_change)
    values ${sql.join(values, sql`, `)}`)
}

/**
 * Drops a table's vector indexes, returning their exact definitions (pg_get_indexdef) to build
 * them again: the schema stays the single source of what they are.
 */
async function dropVectorIndexes(tx: Transaction, table: string): Promise<string[]> {
  const indexes = await executeRows<{ name: string; definition: string }>(
    tx,
    sql`select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as definition
        from pg_index i
        join pg_class c on c.oid = i.indexrelid
        join pg_am am on am.oid = c.relam
        where i.indrelid = ${table}::regclass and am.amname in ('hnsw', 'ivfflat')`,
  )
  for (const index of indexes) await tx.execute(sql.raw(`drop index ${index.name}`))
  return indexes.map((index) => index.definition)
}

async function assertMigrated(tx: Transaction) {
  const [row] = await executeRows<{ ok: boolean }>(
    tx,
    sql`select to_regclass('auth.users') is not null and to_regclass('public.messages') is not null as ok`,
  )
  if (!row?.ok) throw new SeedError('the database is not migrated: run pnpm db:migrate first')
}

async function assertEmpty(tx: Transaction) {
  const counts = [...appTables().map(qualifiedName), '"auth"."users"'].map(
    (name) => sql`(select count(*) from ${sql.raw(name)})`,
  )
  const [row] = await executeRows<{ n: string | number }>(
    tx,
    sql`select ${sql.join(counts, sql` + `)} as n`,
  )
  const n = Number(row?.n ?? 0)
  if (n > 0) {
    throw new SeedError(
      `the database already has data (${n} rows in auth.users and the app's tables): seed with --reset to empty it first`,
    )
  }
}
