// Embedding queries on both lanes: upsert, exact per-user search, HNSW search recall,
// bulk insert past one batch, delete, and RLS.
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { executeRows } from '../../src/db/client.ts'
import { statementNamed } from '../../src/db/statement-cache.ts'
import { NotFoundError, ValidationError } from '../../src/errors/errors.ts'
import {
  BULK_BATCH_ROWS,
  copyEmbeddings,
  deleteEmbedding,
  insertEmbeddings,
  searchEmbeddings,
  similarForUser,
  similarToEmbedding,
  upsertEmbedding,
} from '../../src/queries.ts'
import { embeddings } from '../../src/schema.ts'
import { asServiceRole, asUser, createTestUser, type TestUser } from '../../src/testing/index.ts'
import { lane, openTestDatabase, type TestDatabase } from '../lanes.ts'
import { clusteredVectors, cosineDistance } from '../vectors.ts'

const CORPUS = 2_500 // > BULK_BATCH_ROWS, so the bulk insert runs in several batches
const QUERIES = 20
const K = 10

let t: TestDatabase
let alice: TestUser
let bob: TestUser
let carol: TestUser
let corpus: number[][]
let queries: number[][]
beforeAll(async () => {
  t = await openTestDatabase()
  alice = await createTestUser(t.db, { metadata: { account_name: 'alice' } })
  bob = await createTestUser(t.db, { metadata: { account_name: 'bob' } })
  carol = await createTestUser(t.db, { metadata: { account_name: 'carol' } })
  const vectors = clusteredVectors(CORPUS + QUERIES, 25, 42)
  corpus = vectors.slice(0, CORPUS)
  queries = vectors.slice(CORPUS)
  // Alice owns 1 in 5 rows (the per-user case), bob the rest.
  const rows = corpus.map((embedding, i) => ({
    userId: i % 5 === 0 ? alice.id : bob.id,
    content: `doc ${i}`,
    embedding,
  }))
  expect(await insertEmbeddings(t.db, { rows })).toBe(CORPUS)
}, 300_000)
afterAll(() => t?.close())

/** The true top-k by brute force in JS, over the rows a filter keeps. */
function exactTopK(query: number[], keep: (i: number) => boolean) {
  return corpus
    .map((v, i) => ({ content: `doc ${i}`, distance: cosineDistance(query, v), i }))
    .filter((r) => keep(r.i))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, K)
    .map((r) => r.content)
}

describe(`ai queries (${lane})`, () => {
  it('bulk-inserted every row, in batches under the bind-parameter limit', async () => {
    expect(CORPUS).toBeGreaterThan(BULK_BATCH_ROWS)
    expect(BULK_BATCH_ROWS * 3).toBeLessThan(65_535)
    const [row] = await executeRows<{ n: number }>(
      t.db,
      sql`select count(*)::int as n from embeddings`,
    )
    expect(row?.n).toBe(CORPUS)
  })

  it('per-user search is exact: the true top-k of that user only', async () => {
    for (const query of queries.slice(0, 5)) {
      const found = await asUser(t.db, alice, (tx) =>
        similarForUser(tx, { userId: alice.id, embedding: query, k: K }),
      )
      expect(found.map((r) => r.content)).toEqual(exactTopK(query, (i) => i % 5 === 0))
      expect(found[0]?.distance).toBeCloseTo(
        cosineDistance(query, corpus[Number(found[0]?.content.slice(4))] as number[]),
        5,
      )
    }
  })

  it('per-user search never reads the approximate HNSW index, even where it would be cheaper', async () => {
    const text = statementNamed('ai.similarForUser').built().query.sql
    const vector = JSON.stringify(queries[0] as number[])
    // Both plans a prepared connection uses: custom for its first calls, then the generic one.
    for (const mode of ['force_custom_plan', 'force_generic_plan']) {
      const plan = await asServiceRole(t.db, async (tx) => {
        // With sorting priced out, any ORDER BY the HNSW index could serve is planned on it.
        await executeRows(tx, sql`select set_config('enable_sort', 'off', true)`)
        await executeRows(tx, sql`select set_config('plan_cache_mode', ${mode}, true)`)
        await executeRows(
          tx,
          sql.raw(`prepare similar_plan_check (extensions.vector, uuid, int) as ${text}`),
        )
        try {
          return await executeRows<Record<string, string>>(
            tx,
            sql.raw(`explain execute similar_plan_check ('${vector}', '${alice.id}', ${K})`),
          )
        } finally {
          await executeRows(tx, sql`deallocate similar_plan_check`)
        }
      })
      const lines = plan.map((row) => Object.values(row).join(' '))
      expect(lines.join('\n'), mode).toMatch(/embeddings_user_content_key/)
      // The plan asked for: the generic one keeps the user as a parameter.
      const user = mode === 'force_generic_plan' ? /user_id = \$2/ : new RegExp(alice.id)
      expect(lines.join('\n'), mode).toMatch(user)
      expect(
        lines.filter((line) => /hnsw/i.test(line)),
        mode,
      ).toEqual([])
    }
  })

  it('HNSW search reaches recall@10 >= 0.95 against an exact scan', async () => {
    let hits = 0
    for (const query of queries) {
      const found = await asServiceRole(t.db, (tx) =>
        searchEmbeddings(tx, { embedding: query, k: K, efSearch: 100 }),
      )
      const exact = new Set(exactTopK(query, () => true))
      hits += found.filter((r) => exact.has(r.content)).length
    }
    const recall = hits / (QUERIES * K)
    expect(recall).toBeGreaterThanOrEqual(0.95)
  })

  it('inside rls() the index search sees only the caller’s rows', async () => {
    const found = await asUser(t.db, alice, (tx) =>
      searchEmbeddings(tx, { embedding: queries[0] as number[], k: K }),
    )
    expect(found).toHaveLength(K)
    expect(found.every((r) => Number(r.content.slice(4)) % 5 === 0)).toBe(true)
  })

  it('its planner settings end with the search, also inside a caller’s transaction', async () => {
    const after = await asUser(t.db, alice, async (tx) => {
      await searchEmbeddings(tx, { embedding: queries[0] as number[], k: K, efSearch: 300 })
      return executeRows<{ seqscan: string; ef: string }>(
        tx,
        sql`select current_setting('enable_seqscan') as seqscan,
                   coalesce(current_setting('hnsw.ef_search', true), '40') as ef`,
      )
    })
    expect(after).toEqual([{ seqscan: 'on', ef: '40' }])
  })

  it('upserts one embedding per content, and deletes only own rows', async () => {
    const vector = queries[1] as number[]
    const first = await asUser(t.db, alice, (tx) =>
      upsertEmbedding(tx, { userId: alice.id, content: 'note', embedding: vector }),
    )
    // Without its vector and internal columns unless asked: 1,536 numbers are rarely wanted back.
    expect(Object.keys(first).sort()).toEqual(['content', 'createdAt', 'id', 'userId'])
    const second = await asUser(t.db, alice, (tx) =>
      upsertEmbedding(tx, {
        userId: alice.id,
        content: 'note',
        embedding: queries[2] as number[],
        withVector: true,
      }),
    )
    expect(second.id).toBe(first.id)
    expect(second.embedding?.[0]).toBeCloseTo((queries[2] as number[])[0] as number, 5)
    expect(second).not.toHaveProperty('contentHash')
    await expect(
      asUser(t.db, bob, (tx) => deleteEmbedding(tx, { userId: bob.id, id: first.id })),
    ).rejects.toThrow(NotFoundError)
    await asUser(t.db, alice, (tx) => deleteEmbedding(tx, { userId: alice.id, id: first.id }))
    await expect(
      asUser(t.db, bob, (tx) =>
        upsertEmbedding(tx, { userId: alice.id, content: 'x', embedding: vector }),
      ),
    ).rejects.toThrow(/not allowed/)
  })

  it("finds the nearest of the user's own embeddings to one of theirs, in one call", async () => {
    const ids: number[] = []
    for (const [i, embedding] of queries.slice(0, 4).entries()) {
      const row = await asUser(t.db, carol, (tx) =>
        upsertEmbedding(tx, { userId: carol.id, content: `carol ${i}`, embedding }),
      )
      ids.push(row.id)
    }
    const anchor = ids[0] as number
    const near = await asUser(t.db, carol, (tx) =>
      similarToEmbedding(tx, { userId: carol.id, id: anchor, k: 2 }),
    )
    expect(near).toHaveLength(2)
    expect(near.map((r) => r.id)).not.toContain(anchor)
    const exact = await asUser(t.db, carol, (tx) =>
      similarForUser(tx, { userId: carol.id, embedding: queries[0] as number[], k: 3 }),
    )
    expect(near.map((r) => r.id)).toEqual(exact.slice(1).map((r) => r.id))
    // Someone else's embedding, or none, answers the same.
    for (const id of [anchor, 2 ** 30]) {
      const error = await asUser(t.db, bob, (tx) =>
        similarToEmbedding(tx, { userId: bob.id, id }),
      ).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(NotFoundError)
      expect((error as NotFoundError).field).toBe('id')
    }
  })

  it('rejects wrong dimensions and non-finite values before the database', async () => {
    const short = Array.from({ length: 1535 }, () => 0.1)
    for (const embedding of [short, [...short, 0.1, 0.1], [...short, Number.NaN]]) {
      const error = await upsertEmbedding(t.db, {
        userId: alice.id,
        content: 'bad',
        embedding,
      }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).issues[0]?.path[0]).toBe('embedding')
    }
  })
})

describe(`copyEmbeddings (${lane})`, () => {
  if (lane === 'server') {
    it('streams rows with binary COPY, upserting per content', async () => {
      const before = await t.db.$count(embeddings)
      const rows = function* () {
        for (let i = 0; i < 1_500; i++) {
          yield {
            userId: alice.id,
            content: `copied ${i}`,
            embedding: Float32Array.from(corpus[i] as number[]),
          }
        }
      }
      expect(await copyEmbeddings(t.db, rows())).toBe(1_500)
      expect(
        await copyEmbeddings(t.db, [
          { userId: alice.id, content: 'copied 0', embedding: queries[3] as number[] },
        ]),
      ).toBe(1)
      expect(await t.db.$count(embeddings)).toBe(before + 1_500)
      const [row] = await similarForUser(t.db, {
        userId: alice.id,
        embedding: queries[3] as number[],
        k: 1,
      })
      expect(row?.content).toBe('copied 0')
      expect(row?.distance).toBeCloseTo(0, 5)
    })

    it('a bad row mid-stream writes nothing and leaves the pool usable', async () => {
      const before = await t.db.$count(embeddings)
      const rows = [
        { userId: alice.id, content: 'ok', embedding: queries[4] as number[] },
        { userId: alice.id, content: 'short', embedding: [0.1, 0.2] },
      ]
      await expect(copyEmbeddings(t.db, rows)).rejects.toThrow(/row 1 has 2 dimensions/)
      expect(await t.db.$count(embeddings)).toBe(before)
    })
  } else {
    it('says it needs the server lane', async () => {
      await expect(copyEmbeddings(t.db, [])).rejects.toThrow(/server lane/)
    })
  }

  describe('match_my_embeddings(), the RPC supabase-js calls', () => {
    const rpc = (query: number[], k = K) =>
      sql`select id, content, distance from public.match_my_embeddings(${JSON.stringify(query)}::extensions.vector, ${k})`
    let dave: TestUser
    let eve: TestUser
    const OWN = 40
    beforeAll(async () => {
      dave = await createTestUser(t.db)
      eve = await createTestUser(t.db)
      const rows = corpus
        .slice(0, OWN)
        .map((embedding, i) => ({ userId: dave.id, content: `dave ${i}`, embedding }))
      expect(await insertEmbeddings(t.db, { rows })).toBe(OWN)
    })

    it("returns the caller's own nearest rows, as an exact search ranks them", async () => {
      let hits = 0
      for (const query of queries) {
        const rows = await asUser(t.db, dave, (tx) =>
          executeRows<{ content: string; distance: number }>(tx, rpc(query)),
        )
        expect(rows).toHaveLength(K)
        const exact = corpus
          .slice(0, OWN)
          .map((v, i) => ({ content: `dave ${i}`, distance: cosineDistance(query, v) }))
          .sort((x, y) => x.distance - y.distance)
          .slice(0, K)
          .map((r) => r.content)
        for (const row of rows) {
          expect(row.content).toMatch(/^dave \d+$/)
          if (exact.includes(row.content)) hits++
        }
        const distances = rows.map((r) => Number(r.distance))
        expect(distances).toEqual([...distances].sort((x, y) => x - y))
      }
      expect(hits / (queries.length * K)).toBeGreaterThanOrEqual(0.9)
    })

    it('gives a user with no rows nothing, and refuses anon', async () => {
      const query = queries[0] as number[]
      expect(await asUser(t.db, eve, (tx) => executeRows(tx, rpc(query)))).toEqual([])
      await expect(t.db.rls({ role: 'anon' }, (tx) => executeRows(tx, rpc(query)))).rejects.toThrow(
        /permission denied for function match_my_embeddings/,
      )
    })

    it('is SECURITY INVOKER with a fixed, empty search_path', async () => {
      const [fn] = await t.sql.query<{ definer: boolean; config: string[] }>(
        `select prosecdef as definer, proconfig as config from pg_proc
          where oid = 'public.match_my_embeddings(extensions.vector, integer)'::regprocedure`,
      )
      expect(fn?.definer).toBe(false)
      expect(fn?.config).toContain('search_path=""')
    })
  })
})
