// Every table, enum and relation of the database. drizzle-kit generates migrations from this.
export * from './domains/ai'
export * from './domains/chat'
export * from './domains/organizations'
export * from './domains/users'
export * from './schema-kit/enums'
