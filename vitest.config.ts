import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // The end-to-end files mostly wait on child processes and sleeps (the
    // default settle-time alone is a minute): three at a time keeps the
    // suite to a few minutes on two cores.
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/index.ts'],
      reporter: ['text-summary', 'json-summary'],
      // Only unit tests count here: the end-to-end tests run dist/ in a
      // child process, which v8 does not attribute to src/. Measured on
      // 2026-12-04 at about 49% statements, 45% branches, 54% functions,
      // 50% lines; the floor sits a little below so that new code lands
      // with its unit tests. Raise it as unit tests are added.
      thresholds: { statements: 45, branches: 40, functions: 50, lines: 45 }
    }
  }
})
