// `pnpm test:stress`: the long reliability tests (test/stress), on both lanes like the main
// suite, one file at a time so that timings are the file's own. Sizes: test/stress/settings.ts.
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
    fileParallelism: false,
    projects: lanes.map((lane) => ({
      extends: true,
      test: {
        name: lane,
        include: ['test/stress/**/*.stress.ts'],
        // test/stress/server: cases only a server has (processes, connections, a pool).
        exclude: lane === 'server' ? [] : ['test/stress/server/**'],
        globalSetup: ['./test/global-setup.ts'],
        testTimeout: 30 * 60_000,
        hookTimeout: 5 * 60_000,
      },
    })),
  },
})
