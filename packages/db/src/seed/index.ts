// Deterministic demo data (`pnpm db:seed`), importable by benchmarks and tests.
export * from './fingerprint.ts'
export * from './plan.ts'
export * from './random.ts'
export * from './seed.ts'
