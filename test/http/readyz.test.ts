import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import type { ReadyDeps } from '../../src/http/health-routes.js';
import { testLogger } from '../support/log-capture.js';
import { type TestStore, testStore } from '../support/test-store.js';

/** GET /readyz: the database, each platform's token, the writer's lag (docs/operations.md#health-and-readiness). */
const NOW = new Date('2026-12-04T02:00:00Z');

describe('GET /readyz', () => {
  let store: TestStore;
  beforeEach(async () => {
    store = await testStore();
  });
  afterEach(() => store.close());

  const writerLagSeconds = async () => {
    const oldest = await store.tableWrites.oldestWaiting();
    return oldest ? (NOW.getTime() - oldest.getTime()) / 1000 : 0;
  };
  const make = (ready: Partial<ReadyDeps> = {}) =>
    createApp({
      ping: store.ping,
      log: testLogger(),
      mode: 'feishu',
      version: 't',
      startedAt: NOW,
      ready: { tokens: [{ name: 'feishu', get: async () => 't-abc' }], writerLagSeconds, maxWriterLagSeconds: 600, ...ready },
    });
  const get = async (app: ReturnType<typeof make>) => {
    const res = await app.request('/readyz');
    return { status: res.status, body: (await res.json()) as { status: string; checks: { database: { ok: boolean }; tokens: Array<{ name: string; ok: boolean; error?: string }>; writerLag: { ok: boolean; seconds: number } } } };
  };

  it('200 ready: the database answers, the token is there, nothing waits', async () => {
    const r = await get(make());
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('ready');
    expect(r.body.checks.tokens).toEqual([{ name: 'feishu', ok: true }]);
    expect(r.body.checks.writerLag).toMatchObject({ ok: true, seconds: 0 });
  });

  it('503 not_ready when a platform refuses the token, or does not answer in time; the reason is named', async () => {
    const refused = await get(
      make({
        tokens: [
          { name: 'feishu', get: async () => Promise.reject(new Error('app secret invalid (10014)')) },
          { name: 'dingtalk', get: async () => 'tok' },
        ],
      }),
    );
    expect(refused.status).toBe(503);
    expect(refused.body.status).toBe('not_ready');
    expect(refused.body.checks.tokens).toEqual([
      { name: 'feishu', ok: false, error: 'app secret invalid (10014)' },
      { name: 'dingtalk', ok: true },
    ]);
    const empty = await get(make({ tokens: [{ name: 'feishu', get: async () => undefined }] }));
    expect(empty.status).toBe(503);
    const hung = await get(make({ tokens: [{ name: 'feishu', get: () => new Promise(() => undefined) }], timeoutMs: 50 }));
    expect(hung.status).toBe(503);
    expect(hung.body.checks.tokens[0]!.error).toContain('50 ms');
  });

  it('200 degraded when the oldest waiting write is older than the limit', async () => {
    await store.tableWrites.enqueueUpdate('app/tbl', { recordId: 'rec1', fields: { 线索评分: 1 } }, 'k1', new Date(NOW.getTime() - 601_000));
    const r = await get(make());
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('degraded');
    expect(r.body.checks.writerLag).toMatchObject({ ok: false, seconds: 601 });
    expect((await get(make({ maxWriterLagSeconds: 900 }))).body.status).toBe('ready');
  });

  it('503 when the database does not answer', async () => {
    const app = createApp({
      ping: async () => ({ ok: false, error: 'database is locked' }) as never,
      log: testLogger(),
      mode: 'feishu',
      version: 't',
      startedAt: NOW,
      ready: { tokens: [], writerLagSeconds: async () => 0, maxWriterLagSeconds: 600 },
    });
    const r = await get(app);
    expect(r.status).toBe(503);
    expect(r.body.checks.database.ok).toBe(false);
  });
});
