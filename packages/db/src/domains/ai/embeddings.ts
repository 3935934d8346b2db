import { sql } from 'drizzle-orm'
import {
  check,
  index,
  integer,
  pgTable,
  text,
  uniqueIndex,
  uuid,
  vector,
} from 'drizzle-orm/pg-core'
import { defineAccess } from '../../schema-kit/access.ts'
import { createdAt } from '../../schema-kit/columns.ts'
import { ownRowsPolicies } from '../../schema-kit/policies.ts'
import { generalUsers } from '../users/general-users.ts'

/** The embedded text, untrimmed: it is what was embedded. Read by the CHECK and the DTO. */
export const embeddingContentLength = { min: 1, max: 100_000 } as const

import { lengthSql } from '../../schema-kit/lengths.ts'

/** Dimensions of every embedding (OpenAI text-embedding-3-small / ada-002). */
export const EMBEDDING_DIMENSIONS = 1536

/** A piece of a user's content with its embedding, for similarity search. */
export const embeddings = pgTable(
  'embeddings',
  {
    /** The server's: `GENERATED ALWAYS`, so no writer can take or probe a future id. */
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    userId: uuid()
      .notNull()
      .references(() => generalUsers.id, { onDelete: 'cascade' }),
    content: text().notNull(),
    /** md5 of content, kept by Postgres: the conflict target of one embedding per content. */
    contentHash: text().notNull().generatedAlwaysAs(sql`md5(content)`),
    embedding: vector({ dimensions: EMBEDDING_DIMENSIONS }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    // Approximate search across everything a caller may see. ef_construction 128 (pgvector's
    // default is 64): on 100k clustered vectors recall@10 at ef_search 100 went from 0.96 to
    // 0.99 for a ~45% longer build (pnpm bench, 3).
    index('embeddings_embedding_hnsw_idx')
      .using('hnsw', t.embedding.op('vector_cosine_ops'))
      .with({ m: 16, ef_construction: 128 }),
    // One embedding per piece of a user's content (the upserts' conflict target). Its
    // leading user_id also serves per-user search (filter, then exact ordering: recall 1.0)
    // and the foreign key, so no separate btree on user_id is needed.
    uniqueIndex('embeddings_user_content_key').on(t.userId, t.contentHash),
    check('embeddings_content_length', lengthSql(t.content, embeddingContentLength)),
    ...ownRowsPolicies('embeddings', t.userId),
  ],
).enableRLS()

export const embeddingsAccess = defineAccess(embeddings, {
  updatable: ['content', 'embedding'],
  serverOwned: { id: 'identity', createdAt: 'now' },
})

export type NewEmbeddingRow = typeof embeddings.$inferInsert
