// `@app/db/queries`: typed query functions `(db, params)`, per domain.
export {}
