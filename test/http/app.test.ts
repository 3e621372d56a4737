import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createLogger } from '../../src/lib/logger.js';
import { testLogger } from '../support/log-capture.js';
import { openDb } from '../../src/store/db.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { createStore } from '../../src/store/store.js';

function setup() {
  const lines: Array<Record<string, unknown>> = [];
  const dest = new Writable({
    write(chunk, _e, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  const db = openDb(':memory:');
  let n = 0;
  const app = createApp({ ping: createStore(db).ping, mode: 'sandbox', version: '0.1.0', startedAt: new Date('2026-03-02T00:00:00Z'), log: createLogger({ level: 'info', destination: dest }), newRequestId: () => `req-${++n}` });
  return { app, db, lines };
}

describe('createApp', () => {
  it('GET /healthz reports database status', async () => {
    const { app } = setup();
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', version: '0.1.0', mode: 'sandbox', startedAt: '2026-03-02T00:00:00.000Z', db: { ok: true, schemaVersion: MIGRATIONS.length } });
  });

  it('GET /healthz shows the Bitable outbox and warns about dead letters', async () => {
    const db = openDb(':memory:');
    const store = createStore(db);
    const app = createApp({ ping: store.ping, mode: 'sandbox', version: '0.1.0', startedAt: new Date(), log: testLogger(), outbox: () => store.tableWrites.counts() });
    await store.tableWrites.enqueueCreate('a/t', { fields: {} }, 'k1', new Date());
    expect(await (await app.request('/healthz')).json()).toMatchObject({ status: 'ok', outbox: { pending: 1, inFlight: 0, dead: 0 } });
    await store.tableWrites.rowDead(1, 'code 1254072', new Date());
    const body = (await (await app.request('/healthz')).json()) as { outbox: unknown; warnings: string[] };
    expect(body.outbox).toEqual({ pending: 0, inFlight: 0, dead: 1 });
    expect(body.warnings[0]).toContain('npm run outbox -- list');
  });

  it('GET /healthz names this instance and the leases held now (which instance writes which table)', async () => {
    const store = createStore(openDb(':memory:'));
    const app = createApp({ ping: store.ping, mode: 'feishu', version: '0.1.0', startedAt: new Date(), log: testLogger(), instance: 'host-a:1:aaaa', leases: () => store.leases.held(new Date()) });
    await store.leases.acquire('bitable:bascn/tbl1', 'host-a:1:aaaa', 30_000, new Date());
    await store.leases.acquire('timers', 'host-b:2:bbbb', 30_000, new Date());
    await store.leases.acquire('decay', 'host-b:2:bbbb', -1, new Date()); // run out: not shown
    const body = (await (await app.request('/healthz')).json()) as { instance: string; leases: Array<{ name: string; holder: string; mine: boolean }> };
    expect(body.instance).toBe('host-a:1:aaaa');
    expect(body.leases.map(({ name, holder, mine }) => ({ name, holder, mine }))).toEqual([
      { name: 'bitable:bascn/tbl1', holder: 'host-a:1:aaaa', mine: true },
      { name: 'timers', holder: 'host-b:2:bbbb', mine: false },
    ]);
  });

  it('answers 503 when the database is gone', async () => {
    const { app, db } = setup();
    db.close();
    const res = await app.request('/healthz');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'error', db: { ok: false } });
  });

  it('logs one JSON line per request with its request id, echoed in a header', async () => {
    const { app, lines } = setup();
    const res = await app.request('/healthz?token=should-not-be-logged');
    expect(res.headers.get('x-request-id')).toBe('req-1');
    const res2 = await app.request('/healthz', { headers: { 'X-Request-Id': 'proxy-abc.1' } });
    expect(res2.headers.get('x-request-id')).toBe('proxy-abc.1');
    const bad = await app.request('/healthz', { headers: { 'X-Request-Id': 'bad id with spaces\n' } });
    expect(bad.headers.get('x-request-id')).toBe('req-2');
    expect(lines.map((l) => [l.msg, l.reqId, l.path, l.status])).toEqual([
      ['request', 'req-1', '/healthz', 200],
      ['request', 'proxy-abc.1', '/healthz', 200],
      ['request', 'req-2', '/healthz', 200],
    ]);
    expect(JSON.stringify(lines)).not.toContain('should-not-be-logged');
    expect(lines[0]).toMatchObject({ level: 'info', method: 'GET' });
    expect(typeof lines[0]!.ms).toBe('number');
  });

  it('unknown routes get a readable 404; thrown errors a 500 with the request id, logged', async () => {
    const { app, lines } = setup();
    app.get('/boom', () => {
      throw new Error('kaput');
    });
    const res = await app.request('/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
    const boom = await app.request('/boom');
    expect(boom.status).toBe(500);
    expect(await boom.json()).toMatchObject({ error: 'internal_error', requestId: 'req-2' });
    const errLine = lines.find((l) => l.msg === 'unhandled error');
    expect(errLine).toMatchObject({ level: 'error', reqId: 'req-2' });
    expect(JSON.stringify(errLine)).toContain('kaput');
  });
});
