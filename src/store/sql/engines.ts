import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { PgEngine } from './postgres.js';

// BIGINT (epoch ms, ids, counts) as a JS number, not a string: every value this product stores fits
// in 2^53. NUMERIC (SUM of BIGINT) likewise.
const parseNumber = (v: string) => Number(v);
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 || oid === 1700 ? parseNumber : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser,
};

/** A PostgreSQL server through `pg`'s pool (DATABASE_URL=postgres://…). */
export function pgPoolEngine(connectionString: string, o: { max?: number } = {}): PgEngine & { pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString, max: o.max ?? 10, types });
  // an idle client that loses its server is replaced; without a listener the error would crash the process
  pool.on('error', () => undefined);
  const asConn = (c: pg.Pool | pg.PoolClient) => ({
    query: (text: string, values?: unknown[]) => c.query(text, values),
    exec: async (text: string) => void (await c.query(text)),
  });
  return {
    pool,
    single: false,
    async connect() {
      const client = await pool.connect();
      return { conn: asConn(client), release: (broken?: boolean) => client.release(broken) };
    },
    query: asConn(pool).query,
    end: () => pool.end(),
  };
}

/** PostgreSQL embedded in the process (PGlite, WASM): one connection, for tests and trials. */
export function pgliteEngine(db: PGlite): PgEngine {
  const conn = {
    query: (text: string, values?: unknown[]) => db.query(text, values),
    exec: async (text: string) => void (await db.exec(text)),
  };
  return {
    single: true,
    connect: async () => ({ conn, release: () => undefined }),
    query: conn.query,
    end: () => db.close(),
  };
}
