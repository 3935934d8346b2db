// One suite, two lanes: every test file runs once on the embedded lane (PGlite, always) and
// once on the server lane (TEST_DATABASE_URL). With CI=true the server lane is mandatory.
import { defineConfig } from 'vitest/config'
import { readEnv } from './src/db/env.ts'

const env = readEnv()
if (env.CI && !env.TEST_DATABASE_URL) {
  throw new Error('CI=true but TEST_DATABASE_URL is not set: the server lane is mandatory in CI')
}
const lanes = env.TEST_DATABASE_URL ? ['embedded', 'server'] : ['embedded']

export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: lanes.map((lane) => ({
      extends: true,
      test: {
        name: lane,
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        // test/once: commands and package checks, run once. test/server: cases only a server has.
        exclude: lane === 'server' ? ['test/once/**'] : ['test/server/**'],
        globalSetup: ['./test/global-setup.ts'],
        testTimeout: 30_000,
        hookTimeout: 120_000,
      },
    })),
  },
})
