// `@app/db/queries`: typed query functions `(db, params)`, one module per domain.

export { type CopyEmbeddingRow, copyEmbeddings } from './domains/ai/copy.ts'
export * from './domains/ai/queries.ts'
export * from './domains/chat/queries.ts'
export * from './domains/organizations/queries.ts'
export * from './domains/users/queries.ts'
