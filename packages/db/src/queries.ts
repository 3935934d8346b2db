// `@app/db/queries`: typed query functions `(db, params)`, one module per domain.

export { type CopyEmbeddingRow, copyEmbeddings } from './domains/ai/copy'
export * from './domains/ai/queries'
export * from './domains/chat/queries'
export * from './domains/organizations/queries'
export * from './domains/users/queries'
