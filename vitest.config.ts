import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The tests whose store is chosen by LJ_TEST_STORE (test/support/test-store.ts): they run once more on
 * embedded PostgreSQL (PGlite) in `npm test`, and on a real PostgreSQL server in `npm run
 * test:postgres` (.ci/run). Every other test, and the store contract (which runs all engines itself),
 * runs once.
 */
const STORE_TESTS = [
  'test/usecases/card-actions.test.ts',
  'test/usecases/card-renew.test.ts',
  'test/usecases/change-stage.test.ts',
  'test/usecases/escalate-sla.test.ts',
  'test/usecases/lead-engine.test.ts',
  'test/usecases/nurture.test.ts',
  'test/usecases/owner-queue.test.ts',
  'test/usecases/reengage.test.ts',
  'test/usecases/stage-enforcement.test.ts',
  'test/im/chat-payload.test.ts',
  'test/http/feishu-card-security.test.ts',
  'test/http/feishu-events-security.test.ts',
  'test/jobs/timer-sweep.test.ts',
  'test/jobs/lease.test.ts',
  'test/usecases/process-inbound.test.ts',
  'test/im/sender.test.ts',
  'test/webhooks/sender.test.ts',
  'test/store/group-commit.test.ts',
  'test/ports/memory-lead-table.test.ts',
  'test/ports/bitable-lead-table.test.ts',
  'test/bitable/writer.test.ts',
  'test/usecases/record-change.test.ts',
  'test/usecases/adopt-rows.test.ts',
  'test/usecases/rule-tables.test.ts',
  'test/usecases/lead-pool.test.ts',
  'test/usecases/pool-cards.test.ts',
  'test/usecases/protection.test.ts',
  'test/usecases/handover.test.ts',
  'test/usecases/assignment-hours.test.ts',
  'test/usecases/collisions.test.ts',
  'test/usecases/intake-dedupe.test.ts',
  'test/webhooks/lead-events.test.ts',
  'test/usecases/report.test.ts',
  'test/usecases/weekly-digest.test.ts',
  'test/usecases/slowdown-alerts.test.ts',
  'test/sandbox/demo-history.test.ts',
  'test/http/intake-api.test.ts',
  'test/http/intake-activities.test.ts',
  'test/usecases/lead-lookup.test.ts',
  'test/usecases/erase-person.test.ts',
];

/**
 * Tests that need a real PostgreSQL server (several processes on one database): only in `npm run
 * test:postgres`.
 */
const POSTGRES_ONLY = ['test/e2e/instances-chaos.test.ts', 'test/e2e/long-connection-failover.test.ts'];

/**
 * Every project's log output is scanned when the run ends: no secret, token, full phone number or e-mail
 * in any line (test/support/log-scan-setup.ts).
 */
const LOG_SCAN = 'test/support/log-scan-setup.ts';

const shared = {
  globalSetup: [LOG_SCAN],
  environment: 'node' as const,
  // Suites start real HTTP servers on 127.0.0.1 and real SQLite files; keep them isolated per file.
  pool: 'forks' as const,
  // Generous limits: tests wait for states, not for time; these only bound how long a step may take on
  // a busy 2-core CI machine before it counts as broken (see `npm run test:stress`).
  testTimeout: 60_000,
  hookTimeout: 60_000,
};

/**
 * Two test files at a time at least: most of a suite's time is waiting (servers, SIGKILLed children,
 * the emulator's clock), so even a 2-core machine (the CI) runs two side by side — the whole suite in
 * about 8 minutes instead of 13 — and the tests are written to hold on a busy machine (npm run
 * test:stress). Vitest's own default is one fewer than the cores.
 */
const maxWorkers = Math.max(2, availableParallelism() - 1);

/**
 * The card and stage-enforcement end-to-end files run once more over Feishu's long connection
 * (test/support/run-main.ts passes the transport to every server they start), unchanged; and the grid
 * enforcement once more with the sandbox not pushing record changes over the socket, where the server
 * finds them by reconciling. Two tests are about events and skip themselves there
 * (test/e2e/stage-enforcement.test.ts: WITHOUT_RECORD_EVENTS).
 */
const OVER_SOCKET = ['test/e2e/im-cards.test.ts', 'test/e2e/stage-enforcement.test.ts'];

const onPostgres = process.env.LJ_TEST_STORE === 'postgres';

/**
 * `npm run test:chaos` (LJ_TEST_SUITE=chaos): servers killed, disks filled, Feishu failing in windows,
 * clocks jumped (test/chaos/). Its own run, bounded, after `npm test` in .ci/run; not part of `npm test`.
 */
const CHAOS = ['test/chaos/**/*.test.ts'];
const onChaos = process.env.LJ_TEST_SUITE === 'chaos';

export default defineConfig({
  test: {
    maxWorkers,
    projects: onChaos
      ? [{ test: { ...shared, name: 'chaos', include: CHAOS } }]
      : onPostgres
        ? [{ test: { ...shared, name: 'postgres', include: [...STORE_TESTS, ...POSTGRES_ONLY], env: { LJ_TEST_STORE: 'postgres' }, globalSetup: ['test/support/postgres-global-setup.ts', LOG_SCAN] } }]
        : [
            { test: { ...shared, name: 'sqlite', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...POSTGRES_ONLY, ...CHAOS] } },
            { test: { ...shared, name: 'pglite', include: STORE_TESTS, env: { LJ_TEST_STORE: 'pglite' } } },
            { test: { ...shared, name: 'long-connection', include: OVER_SOCKET, env: { LJ_E2E_FEISHU_TRANSPORT: 'long-connection' } } },
            {
              test: {
                ...shared,
                name: 'long-connection-no-record-events',
                include: ['test/e2e/stage-enforcement.test.ts'],
                env: { LJ_E2E_FEISHU_TRANSPORT: 'long-connection', LJ_E2E_SOCKET_RECORD_EVENTS: 'off' },
              },
            },
          ],
  },
});
