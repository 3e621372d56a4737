import { Hono } from 'hono';
import type { Db } from '../store/db.js';
import { pingDb } from '../store/db.js';
import type { AppEnv } from './request-log.js';

export interface HealthDeps {
  db: Db;
  mode: 'feishu' | 'sandbox';
  version: string;
  startedAt: Date;
}

/** GET /healthz: 200 when the database answers, 503 when it does not. */
export function createHealthRoutes(deps: HealthDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => {
    const db = pingDb(deps.db);
    const body = { status: db.ok ? 'ok' : 'error', version: deps.version, mode: deps.mode, startedAt: deps.startedAt.toISOString(), db };
    return c.json(body, db.ok ? 200 : 503);
  });
  return app;
}
