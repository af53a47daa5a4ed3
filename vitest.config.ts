import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'reference-server/**/*.test.ts', 'commands/**/*.test.ts', 'test/**/*.test.ts'],
    // oclif commands print through console; vitest must not swallow it.
    disableConsoleIntercept: true,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
})
