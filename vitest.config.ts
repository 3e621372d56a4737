import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Suites start real HTTP servers on 127.0.0.1 and real SQLite files; keep them isolated per file.
    pool: 'forks',
    // Generous limits: tests wait for states, not for time; these only bound how long a step may take on
    // a busy 2-core CI machine before it counts as broken (see `npm run test:stress`).
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
