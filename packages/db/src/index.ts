// `import '@app/db'`: the client, the errors and the schema. DTOs and queries have their own
// entry points (`@app/db/dto`, `@app/db/queries`) so an app loads only what it uses.
export * from './db/client.ts'
export * from './errors/index.ts'
export * from './schema.ts'
