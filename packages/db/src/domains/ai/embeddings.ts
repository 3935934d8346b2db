import { sql } from 'drizzle-orm'
import { check, index, integer, pgTable, text, uuid, vector } from 'drizzle-orm/pg-core'
import { createdAt } from '../../shared/columns'
import { ownRowsPolicies } from '../../shared/rls'
import { generalUsers } from '../users/general-users'

/** Dimensions of every embedding (OpenAI text-embedding-3-small / ada-002). */
export const EMBEDDING_DIMENSIONS = 1536

/** A piece of a user's content with its embedding, for similarity search. */
export const embeddings = pgTable(
  'embeddings',
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    userId: uuid()
      .notNull()
      .references(() => generalUsers.id, { onDelete: 'cascade' }),
    content: text().notNull(),
    embedding: vector({ dimensions: EMBEDDING_DIMENSIONS }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    // Approximate search across everything a caller may see.
    index('embeddings_embedding_hnsw_idx').using('hnsw', t.embedding.op('vector_cosine_ops')),
    // Per-user search filters on this, then orders exactly (recall 1.0, see queries).
    index().on(t.userId),
    check('embeddings_content_length', sql`char_length(${t.content}) between 1 and 100000`),
    ...ownRowsPolicies('embeddings', t.userId),
  ],
).enableRLS()

export type EmbeddingRow = typeof embeddings.$inferSelect
export type NewEmbeddingRow = typeof embeddings.$inferInsert
