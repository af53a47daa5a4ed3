import {defineConfig} from 'vitest/config'

// Two projects: `unit` (tests beside the modules, fast; the only process they spawn is a redis-server of
// their own for the Redis store suites) and `e2e`
// (test/: real sockets, CLI processes, browsers, STUN peers). `npm test` runs both;
// `npx vitest --project unit` is the quick loop while editing.
export default defineConfig({
  test: {
    // oclif commands print through console; vitest must not swallow it.
    disableConsoleIntercept: true,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {extends: true, test: {name: 'unit', include: ['src/**/*.test.ts', 'reference-server/**/*.test.ts', 'commands/**/*.test.ts']}},
      {extends: true, test: {name: 'e2e', include: ['test/**/*.test.ts']}},
    ],
  },
})
