// `@app/db/dto`: the zod schemas that validate input and type output, per domain.
export {}
