import { type PostgresServer, startPostgres } from './postgres-server.js';

/**
 * `npm run test:postgres`: one throwaway PostgreSQL cluster for the whole run (each test file makes a
 * database of its own on it), unless LJ_TEST_POSTGRES_URL already names a server.
 */
let server: PostgresServer | undefined;

export async function setup(): Promise<void> {
  if (process.env.LJ_TEST_POSTGRES_URL) return;
  server = await startPostgres();
  if (!server) throw new Error('npm run test:postgres needs PostgreSQL server binaries (apt-get install postgresql) or LJ_TEST_POSTGRES_URL');
  process.env.LJ_TEST_POSTGRES_URL = server.url;
}

export function teardown(): void {
  server?.stop();
}
