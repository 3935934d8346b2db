// Embeddings (upsert, similarity search, delete, bulk insert) and virtual users' part in rooms. Every function is
// (db, params), db a database or a transaction; inside rls() a user sees only their own rows.
import { and, eq, getTableColumns, sql, TransactionRollbackError } from 'drizzle-orm'
import { z } from 'zod'
import { cached, cachedSql, type Params, type StatementBuilder } from '../../db/statement-cache.ts'
import { withLocalSettings } from '../../db/transaction-settings.ts'
import type { DatabaseOrTransaction } from '../../db/types.ts'
import { actorAndInput, cuidSchema, userIdSchema, validate } from '../../dto-kit/validation.ts'
import { ForbiddenError, NotFoundError } from '../../errors/errors.ts'
import { mapErrors } from '../../errors/map.ts'
import { type Message, messageContentSchema } from '../chat/dto.ts'
import { messages } from '../chat/messages.ts'
import {
  embeddingContentSchema,
  embeddingVectorSchema,
  type StoredEmbedding,
  similarEmbeddingsInput,
  similarToEmbeddingInput,
  upsertEmbeddingInput,
} from './dto.ts'
import { embeddings } from './embeddings.ts'
import { virtualUserChats } from './virtual-user-chats.ts'

const { contentHash: _hash, embedding: _vector, ...stored } = getTableColumns(embeddings)
const storedWithVector = { ...stored, embedding: embeddings.embedding }
const messageColumns = getTableColumns(messages)

/** Content the user already embedded gets the new vector (one row per user and content). */
const replaceVector = {
  target: [embeddings.userId, embeddings.contentHash],
  set: { embedding: sql`excluded.embedding` },
}

/** Postgres allows 65,535 bind parameters per statement; a row takes 3. */
const MAX_PARAMETERS = 65_534
export const BULK_BATCH_ROWS = Math.min(1_000, Math.floor(MAX_PARAMETERS / 3))

type UpsertValues = { userId: string; content: string; embedding: number[] }
const upsert =
  (returning: typeof stored | typeof storedWithVector) =>
  (q: StatementBuilder, $: Params<UpsertValues>) =>
    q
      .insert(embeddings)
      .values({ userId: $('userId'), content: $('content'), embedding: $('embedding') })
      .onConflictDoUpdate(replaceVector)
      .returning(returning)
const upsertReturningRow = cached('ai.upsertEmbedding', upsert(stored))
const upsertReturningVector = cached('ai.upsertEmbeddingWithVector', upsert(storedWithVector))

export type UpsertEmbeddingParams = { userId: string } & z.input<typeof upsertEmbeddingInput>
/**
 * One embedding per piece of a user's content: the same content again replaces its vector.
 * Returns the row without its vector (`withVector: true` to get it back) and without the
 * internal content hash.
 */
export async function upsertEmbedding(
  db: DatabaseOrTransaction,
  params: UpsertEmbeddingParams,
): Promise<StoredEmbedding> {
  const { userId, input } = actorAndInput(upsertEmbeddingInput, params)
  const values = { userId, content: input.content, embedding: input.embedding }
  const [row] = await mapErrors(() =>
    input.withVector ? upsertReturningVector.run(db, values) : upsertReturningRow.run(db, values),
  )
  return row as StoredEmbedding
}

export type Similar = { id: number; content: string; distance: number }

type SimilarRow = { id: number; content: string; distance: number }
// Exact by construction: the distances are computed in a subquery the planner cannot merge into
// the outer query (OFFSET 0), so no ORDER BY can be served by the HNSW index (approximate, and
// it loses rows to the filter); test/queries/ai.test.ts pins the plan. A MATERIALIZED CTE
// fences as well, but copies the 1,000 rows into a tuplestore first: ~0.3 ms more a search
// (measured side by side on 7d's data). k comes through a scalar subquery, so no plan depends
// on its value: a custom plan then costs what the generic one does, and a prepared connection
// keeps the generic plan instead of planning again on every call, as it did for `limit $3`
// (its generic plan assumed 100 rows).
const similarOfUser = cachedSql(
  'ai.similarForUser',
  ($: Params<{ userId: string; query: string; k: number }>) =>
    sql<SimilarRow>`select id, content, distance from (
              select id, content, embedding <=> ${$('query')}::extensions.vector as distance
              from public.embeddings where user_id = ${$('userId')} offset 0) mine
            order by distance, id limit (select ${$('k')}::int)`,
)

export type SimilarForUserParams = { userId: string } & z.input<typeof similarEmbeddingsInput>
/**
 * Exact top-k of one user's embeddings by cosine distance, at full precision. Exact on
 * purpose: the user's rows come from the (user_id, md5(content)) btree and are ordered by true
 * distance, so recall is 1.0 — where the HNSW index with a user filter (even with pgvector
 * 0.8's iterative scan) returned fewer or wrong neighbours and was slower. Its cost is reading
 * the user's vectors, so they are stored in the row (STORAGE PLAIN, migration
 * embeddings_vectors_inline) rather than out of line in TOAST: about half the time at 1,000
 * vectors (pnpm bench, 7d). A halfvec candidate scan with full-precision re-ranking was tried
 * and was slower here: pgvector 0.8.0's halfvec distance costs more than reading full vectors
 * in the row, and binary quantization lost recall (0.86 with 100 candidates of 1,000).
 */
export async function similarForUser(
  db: DatabaseOrTransaction,
  params: SimilarForUserParams,
): Promise<Similar[]> {
  const { userId, input } = actorAndInput(similarEmbeddingsInput, params)
  const query = JSON.stringify(input.embedding)
  return mapErrors(async () =>
    (await similarOfUser.run(db, { userId, query, k: input.k })).map((r) => ({
      id: Number(r.id),
      content: r.content,
      distance: Number(r.distance),
    })),
  )
}

type NeighbourRow = { id: number | null; content: string | null; distance: number | null }
// The anchor row comes back even with no neighbours (left join), so "not yours" and "alone"
// differ. Exact, as in similarForUser: the distances are computed behind a fence (here a
// materialized CTE, which the left join lateral reads once per anchor) before they are ordered.
const similarToAnchor = cachedSql(
  'ai.similarToEmbedding',
  ($: Params<{ id: number; userId: string; k: number }>) =>
    sql<NeighbourRow>`with anchor as (
            select e.embedding from public.embeddings e where e.id = ${$('id')} and e.user_id = ${$('userId')}),
          mine as materialized (
            select e.id, e.content, (e.embedding <=> (select embedding from anchor))::float8 as distance
            from public.embeddings e where e.user_id = ${$('userId')} and e.id <> ${$('id')}
              and exists (select 1 from anchor))
          select m.id, m.content, m.distance from anchor
          left join lateral (select * from mine order by distance, id limit ${$('k')}) m on true`,
)

export type SimilarToEmbeddingParams = { userId: string } & z.input<typeof similarToEmbeddingInput>
/**
 * "More like this": the exact top-k of the user's other embeddings, nearest to their embedding
 * `id`, in one statement. An id that is not one of the user's → NotFoundError.
 */
export async function similarToEmbedding(
  db: DatabaseOrTransaction,
  params: SimilarToEmbeddingParams,
): Promise<Similar[]> {
  const { userId, input } = actorAndInput(similarToEmbeddingInput, params)
  const rows = await mapErrors(() => similarToAnchor.run(db, { id: input.id, userId, k: input.k }))
  if (rows.length === 0) throw new NotFoundError(`id: no embedding ${input.id} of this user`, 'id')
  return rows
    .filter((r) => r.id !== null)
    .map((r) => ({ id: Number(r.id), content: r.content as string, distance: Number(r.distance) }))
}

const nearest = cached('ai.searchEmbeddings', (q, $: Params<{ embedding: string; k: number }>) => {
  // cosineDistance()'s own text; its types take no placeholder.
  const distance = sql`${embeddings.embedding} <=> ${$('embedding')}`
  return q
    .select({ id: embeddings.id, content: embeddings.content, distance })
    .from(embeddings)
    .orderBy(distance)
    .limit($('k'))
})

export type SearchEmbeddingsParams = z.input<typeof similarEmbeddingsInput> & {
  efSearch?: number
}
/**
 * Approximate top-k across every embedding the caller may see (all of them as service_role,
 * their own inside rls()), through the HNSW index. `efSearch` (default 100) trades speed for
 * recall; it holds for this search only. Iterative
 * scan keeps going when RLS filters candidates out, then the results are re-sorted exactly.
 */
export async function searchEmbeddings(
  db: DatabaseOrTransaction,
  params: SearchEmbeddingsParams,
): Promise<Similar[]> {
  const { efSearch, ...rest } = validate(
    similarEmbeddingsInput.extend({ efSearch: z.int().min(1).max(1000).optional() }),
    params,
  )
  // enable_seqscan off pins the index plan: the planner costs the heap but not the vectors
  // the scan reads, and at 100k rows picked a ~400 ms sequential scan (pnpm bench, 3).
  const settings = {
    'hnsw.ef_search': String(efSearch ?? 100),
    'hnsw.iterative_scan': 'relaxed_order',
    enable_seqscan: 'off',
  }
  let rows: { id: number; content: string; distance: unknown }[] = []
  await mapErrors(() =>
    db
      .transaction(async (tx) => {
        // The vector as cosineDistance() sends an array: its JSON text.
        rows = await withLocalSettings(tx, settings, () =>
          nearest.run(tx, { embedding: JSON.stringify(rest.embedding), k: rest.k }),
        )
        // Read-only, so rolled back rather than committed: inside a caller's transaction
        // (rls()) this is a savepoint, and releasing it would keep the settings above (no
        // seq scans!) for the rest of the caller's transaction.
        tx.rollback()
      })
      .catch((error: unknown) => {
        if (!(error instanceof TransactionRollbackError)) throw error
      }),
  )
  return rows
    .map((r) => ({ id: r.id, content: r.content, distance: Number(r.distance) }))
    .sort((a, b) => a.distance - b.distance || a.id - b.id)
}

const deleteOwnEmbedding = cached(
  'ai.deleteEmbedding',
  (q, $: Params<{ id: number; userId: string }>) =>
    q
      .delete(embeddings)
      .where(
        and(
          eq(embeddings.id, $('id', embeddings.id)),
          eq(embeddings.userId, $('userId', embeddings.userId)),
        ),
      )
      .returning({ id: embeddings.id }),
)

export type DeleteEmbeddingParams = { userId: string; id: number }
export async function deleteEmbedding(
  db: DatabaseOrTransaction,
  params: DeleteEmbeddingParams,
): Promise<void> {
  const { userId, id } = validate(
    z.strictObject({ userId: userIdSchema, id: z.int().positive() }),
    params,
  )
  const deleted = await mapErrors(() => deleteOwnEmbedding.run(db, { id, userId }))
  if (deleted.length === 0) throw new NotFoundError(`no embedding ${id} of this user`)
}

const bulkRow = z.strictObject({
  userId: userIdSchema,
  content: embeddingContentSchema,
  embedding: embeddingVectorSchema,
})
export type InsertEmbeddingsParams = { rows: z.input<typeof bulkRow>[] }
/**
 * Bulk insert in one transaction, in batches that stay under Postgres' bind-parameter limit.
 * Content already embedded for the user is replaced, as upsertEmbedding does.
 * Returns the number of rows written.
 */
export async function insertEmbeddings(
  db: DatabaseOrTransaction,
  params: InsertEmbeddingsParams,
): Promise<number> {
  const { rows } = validate(z.strictObject({ rows: z.array(bulkRow) }), params)
  return mapErrors(() =>
    db.transaction(async (tx) => {
      let written = 0
      for (let i = 0; i < rows.length; i += BULK_BATCH_ROWS) {
        const batch = rows.slice(i, i + BULK_BATCH_ROWS)
        const result = await tx
          .insert(embeddings)
          .values(batch)
          .onConflictDoUpdate(replaceVector)
          .returning({ id: embeddings.id })
        written += result.length
      }
      return written
    }),
  )
}

// Virtual users in rooms: server code (service_role) puts them there and writes their replies.

type VirtualInRoom = { roomId: string; virtualUserId: string }
const addVirtualMember = cached('ai.addVirtualUserToRoom', (q, $: Params<VirtualInRoom>) =>
  q
    .insert(virtualUserChats)
    .values({ chatRoomId: $('roomId'), virtualUserId: $('virtualUserId') })
    .onConflictDoNothing(),
)
const virtualMembership = cached('ai.virtualMembership', (q, $: Params<VirtualInRoom>) =>
  q
    .select({ roomId: virtualUserChats.chatRoomId })
    .from(virtualUserChats)
    .where(
      and(
        eq(virtualUserChats.chatRoomId, $('roomId', virtualUserChats.chatRoomId)),
        eq(virtualUserChats.virtualUserId, $('virtualUserId', virtualUserChats.virtualUserId)),
      ),
    )
    .for('share'),
)
const insertVirtualReply = cached(
  'ai.insertVirtualReply',
  (q, $: Params<VirtualInRoom & { content: string }>) =>
    q
      .insert(messages)
      .values({
        chatRoomId: $('roomId'),
        senderVirtualUserId: $('virtualUserId'),
        content: $('content'),
      })
      .returning(messageColumns),
)

export type AddVirtualUserToRoomParams = { roomId: string; virtualUserId: string }
/** Service path (server code as service_role): puts an AI user in a room; idempotent. */
export async function addVirtualUserToRoom(
  db: DatabaseOrTransaction,
  params: AddVirtualUserToRoomParams,
): Promise<void> {
  const { roomId, virtualUserId } = validate(
    z.strictObject({ roomId: cuidSchema, virtualUserId: cuidSchema }),
    params,
  )
  await mapErrors(() => addVirtualMember.run(db, { roomId, virtualUserId }))
}

export type PostVirtualUserReplyParams = { virtualUserId: string; roomId: string; content: string }
/** Service path: a virtual user's message, only into a room it belongs to (else ForbiddenError). */
export async function postVirtualUserReply(
  db: DatabaseOrTransaction,
  params: PostVirtualUserReplyParams,
): Promise<Message> {
  const { virtualUserId, roomId, content } = validate(
    z.strictObject({
      virtualUserId: cuidSchema,
      roomId: cuidSchema,
      content: messageContentSchema,
    }),
    params,
  )
  return mapErrors(() =>
    db.transaction(async (tx) => {
      // FOR SHARE: the membership cannot be removed while the reply is written.
      const [member] = await virtualMembership.run(tx, { roomId, virtualUserId })
      if (!member) {
        throw new ForbiddenError(`virtual user ${virtualUserId} is not in room ${roomId}`)
      }
      const [message] = await insertVirtualReply.run(tx, { roomId, virtualUserId, content })
      return message as Message
    }),
  )
}
