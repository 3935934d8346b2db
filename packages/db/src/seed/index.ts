// Deterministic demo data (`pnpm db:seed`), importable by benchmarks and tests.
export * from './fingerprint'
export * from './plan'
export * from './random'
export * from './seed'
