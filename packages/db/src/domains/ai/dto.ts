import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod'
import { z } from 'zod'
import {
  cuidSchema,
  displayNameSchema,
  httpUrlSchema,
  insertOptional,
  text,
  trimmedText,
} from '../../dto-kit/validation'
import { EMBEDDING_DIMENSIONS, embeddings } from './embeddings'
import { virtualUserChats } from './virtual-user-chats'
import { virtualUserProfiles } from './virtual-user-profiles'
import { virtualUsers } from './virtual-users'

/**
 * One component of a vector. zod 4's `z.number()` already refuses NaN and ±Infinity (which
 * pgvector refuses too; `.finite()` is a deprecated no-op). What it lets through is a finite
 * double beyond float4, the type pgvector stores: `1e39` fails with "out of range for type
 * vector", so the component must round to a finite float4.
 */
const vectorComponentSchema = z
  .number()
  .refine((x) => Number.isFinite(Math.fround(x)), 'Outside the float4 range of a vector')

export const embeddingVectorSchema = z.array(vectorComponentSchema).length(EMBEDDING_DIMENSIONS)

/**
 * `char_length(content) between 1 and 100000`, untrimmed: the text is what was embedded, and
 * trimming it would store text other than what the vector stands for.
 */
export const embeddingContentSchema = text({ min: 1, max: 100_000 })

// virtual_users

const virtualUserFields = {
  id: () => cuidSchema,
  organizationId: () => cuidSchema,
  name: () => displayNameSchema,
}

export const virtualUserSelectSchema = createSelectSchema(virtualUsers, virtualUserFields)
export const virtualUserInsertSchema = createInsertSchema(virtualUsers, virtualUserFields).partial(
  insertOptional(virtualUsers),
)
export const virtualUserUpdateSchema = createUpdateSchema(virtualUsers, virtualUserFields)

export type VirtualUser = z.infer<typeof virtualUserSelectSchema>
export type NewVirtualUser = z.infer<typeof virtualUserInsertSchema>
export type VirtualUserUpdate = z.infer<typeof virtualUserUpdateSchema>

// virtual_user_profiles

const virtualUserProfileFields = {
  virtualUserId: () => cuidSchema,
  systemPrompt: () => trimmedText({ max: 20_000 }),
  model: () => trimmedText({ min: 1, max: 100 }),
  temperature: () => z.number().min(0).max(2),
  avatarUrl: () => httpUrlSchema,
}

export const virtualUserProfileSelectSchema = createSelectSchema(
  virtualUserProfiles,
  virtualUserProfileFields,
)
export const virtualUserProfileInsertSchema = createInsertSchema(
  virtualUserProfiles,
  virtualUserProfileFields,
).partial(insertOptional(virtualUserProfiles))
export const virtualUserProfileUpdateSchema = createUpdateSchema(
  virtualUserProfiles,
  virtualUserProfileFields,
)

export type VirtualUserProfile = z.infer<typeof virtualUserProfileSelectSchema>
export type NewVirtualUserProfile = z.infer<typeof virtualUserProfileInsertSchema>
export type VirtualUserProfileUpdate = z.infer<typeof virtualUserProfileUpdateSchema>

// virtual_user_chats

const virtualUserChatFields = {
  chatRoomId: () => cuidSchema,
  virtualUserId: () => cuidSchema,
}

export const virtualUserChatSelectSchema = createSelectSchema(
  virtualUserChats,
  virtualUserChatFields,
)
export const virtualUserChatInsertSchema = createInsertSchema(
  virtualUserChats,
  virtualUserChatFields,
).partial(insertOptional(virtualUserChats))
export const virtualUserChatUpdateSchema = createUpdateSchema(
  virtualUserChats,
  virtualUserChatFields,
)

export type VirtualUserChat = z.infer<typeof virtualUserChatSelectSchema>
export type NewVirtualUserChat = z.infer<typeof virtualUserChatInsertSchema>
export type VirtualUserChatUpdate = z.infer<typeof virtualUserChatUpdateSchema>

// embeddings

const embeddingFields = {
  content: () => embeddingContentSchema,
  embedding: () => embeddingVectorSchema,
}

export const embeddingSelectSchema = createSelectSchema(embeddings, embeddingFields)
export const embeddingInsertSchema = createInsertSchema(embeddings, embeddingFields).partial(
  insertOptional(embeddings),
)
export const embeddingUpdateSchema = createUpdateSchema(embeddings, embeddingFields)

export type Embedding = z.infer<typeof embeddingSelectSchema>
export type NewEmbedding = z.infer<typeof embeddingInsertSchema>
export type EmbeddingUpdate = z.infer<typeof embeddingUpdateSchema>

// API inputs. The owner is the session's user.

export const upsertEmbeddingInput = z.strictObject({
  content: embeddingContentSchema,
  embedding: embeddingVectorSchema,
  /** Return the stored vector too (1,536 numbers): off, since callers rarely need it back. */
  withVector: z.boolean().default(false),
})
export type UpsertEmbeddingInput = z.infer<typeof upsertEmbeddingInput>

export const similarEmbeddingsInput = z.strictObject({
  embedding: embeddingVectorSchema,
  k: z.int().min(1).max(100).default(10),
})
export type SimilarEmbeddingsInput = z.infer<typeof similarEmbeddingsInput>

/** "More like this one": the neighbours of one of the user's own embeddings, by its id. */
export const similarToEmbeddingInput = z.strictObject({
  id: z.int().positive(),
  k: z.int().min(1).max(100).default(10),
})
export type SimilarToEmbeddingInput = z.infer<typeof similarToEmbeddingInput>

/** One embedding as the query functions return it: no internal columns, the vector on request. */
export type StoredEmbedding = Omit<Embedding, 'contentHash' | 'embedding'> & {
  embedding?: number[]
}
