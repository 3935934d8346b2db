import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The same closing line as @app/db's suite, which .ci/run adds up.
    reporters: ['default', '../db/test/summary-reporter.ts'],
  },
})
