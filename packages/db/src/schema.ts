// Every table, enum and relation of the database. drizzle-kit generates migrations from this.
export * from './domains/ai/index.ts'
export * from './domains/chat/index.ts'
export * from './domains/organizations/index.ts'
export * from './domains/users/index.ts'
export * from './schema-kit/enums.ts'
