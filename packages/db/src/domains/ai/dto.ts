import { z } from 'zod'
import { tableSchemas } from '../../dto-kit/table-schemas.ts'
import {
  cuidSchema,
  displayNameSchema,
  httpUrlSchema,
  text,
  trimmedText,
} from '../../dto-kit/validation.ts'
import { EMBEDDING_DIMENSIONS, embeddingContentLength, embeddings } from './embeddings.ts'
import { virtualUserChats } from './virtual-user-chats.ts'
import { virtualUserProfileLengths, virtualUserProfiles } from './virtual-user-profiles.ts'
import { virtualUsers } from './virtual-users.ts'

/**
 * One component of a vector. zod 4's `z.number()` already refuses NaN and ±Infinity (which
 * pgvector refuses too; `.finite()` is a deprecated no-op). What it lets through is a finite
 * double beyond float4, the type pgvector stores: `1e39` fails with "out of range for type
 * vector", so the component must round to a finite float4.
 */
const isFloat4 = (x: number) => Number.isFinite(Math.fround(x))
const vectorComponentSchema = z.number().refine(isFloat4, 'Outside the float4 range of a vector')

const componentwise = z.array(vectorComponentSchema).length(EMBEDDING_DIMENSIONS)

function isFloat4Vector(value: unknown): value is number[] {
  if (!Array.isArray(value) || value.length !== EMBEDDING_DIMENSIONS) return false
  for (const x of value) {
    if (typeof x !== 'number' || !isFloat4(x)) return false
  }
  return true
}

/**
 * A vector of EMBEDDING_DIMENSIONS float4 components. A valid one is checked in one loop:
 * zod element by element (a refinement per component) cost about 0.35 ms per 1,536-component
 * vector between queries, a tenth of a per-user search (pnpm bench, 7d). Only a vector that
 * fails goes through zod component-wise, for issues that name the component (`embedding.7`).
 */
export const embeddingVectorSchema = z.custom<number[]>().superRefine((value, ctx) => {
  if (isFloat4Vector(value)) return
  for (const issue of componentwise.safeParse(value).error?.issues ?? []) {
    // The issue as zod made it (code, path within the vector, message), under this field.
    ctx.addIssue({ ...issue } as Parameters<typeof ctx.addIssue>[0])
  }
})

/**
 * Untrimmed: the text is what was embedded, and trimming it would store text other than what
 * the vector stands for.
 */
export const embeddingContentSchema = text(embeddingContentLength)

// virtual_users

const virtualUserFields = {
  id: () => cuidSchema,
  organizationId: () => cuidSchema,
  name: () => displayNameSchema,
}

export const {
  select: virtualUserSelectSchema,
  insert: virtualUserInsertSchema,
  update: virtualUserUpdateSchema,
} = tableSchemas(virtualUsers, virtualUserFields)

export type VirtualUser = z.infer<typeof virtualUserSelectSchema>
export type NewVirtualUser = z.infer<typeof virtualUserInsertSchema>
export type VirtualUserUpdate = z.infer<typeof virtualUserUpdateSchema>

// virtual_user_profiles

const virtualUserProfileFields = {
  virtualUserId: () => cuidSchema,
  systemPrompt: () => trimmedText(virtualUserProfileLengths.systemPrompt),
  model: () => trimmedText(virtualUserProfileLengths.model),
  temperature: () => z.number().min(0).max(2),
  avatarUrl: () => httpUrlSchema,
}

export const {
  select: virtualUserProfileSelectSchema,
  insert: virtualUserProfileInsertSchema,
  update: virtualUserProfileUpdateSchema,
} = tableSchemas(virtualUserProfiles, virtualUserProfileFields)

export type VirtualUserProfile = z.infer<typeof virtualUserProfileSelectSchema>
export type NewVirtualUserProfile = z.infer<typeof virtualUserProfileInsertSchema>
export type VirtualUserProfileUpdate = z.infer<typeof virtualUserProfileUpdateSchema>

// virtual_user_chats

const virtualUserChatFields = {
  chatRoomId: () => cuidSchema,
  virtualUserId: () => cuidSchema,
}

export const {
  select: virtualUserChatSelectSchema,
  insert: virtualUserChatInsertSchema,
  update: virtualUserChatUpdateSchema,
} = tableSchemas(virtualUserChats, virtualUserChatFields)

export type VirtualUserChat = z.infer<typeof virtualUserChatSelectSchema>
export type NewVirtualUserChat = z.infer<typeof virtualUserChatInsertSchema>
export type VirtualUserChatUpdate = z.infer<typeof virtualUserChatUpdateSchema>

// embeddings

const embeddingFields = {
  content: () => embeddingContentSchema,
  embedding: () => embeddingVectorSchema,
}

export const {
  select: embeddingSelectSchema,
  insert: embeddingInsertSchema,
  update: embeddingUpdateSchema,
} = tableSchemas(embeddings, embeddingFields)

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
