import http from 'node:http';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createFeishuVerifier } from '../../src/feishu/verify.js';
import { limitBody } from '../../src/http/body-limit.js';
import type { AppEnv } from '../../src/http/request-log.js';
import { DRAIN_MAX_BYTES, settleUnreadBody } from '../../src/http/unread-body.js';
import { MAX_BATCH_BODY_BYTES, MAX_INTAKE_BODY_BYTES } from '../../src/http/intake-routes.js';
import { testLogger } from '../support/log-capture.js';
import { type LoopbackServer, serveOnLoopback } from '../support/loopback-server.js';
import { Secret } from '../../src/lib/secret.js';
import { openIdOf } from '../support/card-world.js';
import { signedRequest } from '../support/feishu-signed.js';
import { type IntakeWorld, intakeWorld } from '../support/intake-world.js';

/**
 * Issue 22 defect 1: a refusal answered before the body was read (too large, no credential) must not
 * poison a keep-alive connection. A real Node server and a keep-alive client with one socket: the
 * refused request, then a valid one on the same client, answered correctly, for every size-limited
 * route (docs/reliability.md#13-http-hygiene).
 */
const KEY = 'keep-alive-enc-key';
const TOKEN = 'keep-alive-token';
const EVENTS_MAX = 64 * 1024;
const CARD_MAX = 64 * 1024;

interface Answer {
  status: number;
  connection: string | undefined;
  json: any;
  socket: unknown;
}

/** One request over `agent`; the body sent with Content-Length, or chunked in 64 KB pieces. */
function send(agent: http.Agent, port: number, o: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string; chunked?: boolean }): Promise<Answer> {
  const body = o.body === undefined ? undefined : Buffer.from(o.body);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...o.headers };
    if (body && !o.chunked) headers['content-length'] = String(body.length);
    const req = http.request({ agent, host: '127.0.0.1', port, method: o.method ?? 'POST', path: o.path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, json: text ? JSON.parse(text) : undefined, socket: req.socket }));
    });
    req.on('error', reject);
    if (!body) return void req.end();
    if (!o.chunked) return void req.end(body);
    for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
    req.end();
  });
}

describe('a refused body leaves the keep-alive connection usable', () => {
  let w: IntakeWorld;
  let port: number;
  let server: LoopbackServer;
  let stored = 0;
  let seq = 0;
  beforeAll(async () => {
    w = await intakeWorld();
    await w.assignedLead();
    const verify = createFeishuVerifier({ encryptKey: new Secret(KEY), verificationToken: new Secret(TOKEN), clock: w.clock });
    const app = createApp({
      ping: w.store.ping,
      log: testLogger(),
      mode: 'feishu',
      version: 't',
      startedAt: new Date(),
      feishuEvents: { store: w.store, clock: w.clock, onStored: () => stored++, maxBodyBytes: EVENTS_MAX, verify },
      feishuCard: { act: w.act, onAnswered: () => undefined, verify, maxBodyBytes: CARD_MAX },
      intake: w.intakeDeps,
    });
    server = await serveOnLoopback(app.fetch);
    port = server.port;
  });
  afterAll(() => server.close());

  const header = (eventType: string) => ({ event_id: `ka-${++seq}`, event_type: eventType, create_time: String(w.clock.now().getTime()), token: TOKEN, app_id: 'cli_test', tenant_key: 't' });
  const signed = (payload: unknown) => signedRequest(payload, { key: KEY, ts: w.clock.now().getTime() });
  const lead = { company: '星河云科技有限公司', contact_name: '周敏', phone: '139 1234 5678', industry: '制造业' };
  const apiKey = () => ({ 'content-type': 'application/json', authorization: `Bearer ${w.key}` });

  /** Per route: its limit, and a valid request with its expected answer. */
  const routes = [
    {
      path: '/feishu/events',
      max: EVENTS_MAX,
      valid: () => ({ ...signed({ schema: '2.0', header: header('drive.file.bitable_record_changed_v1'), event: { file_token: 'app', table_id: 'tbl', action_list: [] } }) }),
      expect: (a: Answer) => expect(a.status).toBe(200),
    },
    {
      path: '/feishu/card',
      max: CARD_MAX,
      valid: () =>
        signed({
          schema: '2.0',
          header: header('card.action.trigger'),
          event: { operator: { open_id: openIdOf('李雷') }, token: 'c', action: { tag: 'button', value: { op: 'accept' } }, context: { open_message_id: 'om_none', open_chat_id: 'oc_team' } },
        }),
      expect: (a: Answer) => {
        expect(a.status).toBe(200);
        expect(a.json.toast).toBeDefined();
      },
    },
    {
      path: '/api/leads',
      max: MAX_INTAKE_BODY_BYTES,
      valid: () => ({ body: JSON.stringify({ ...lead, phone: `139 ${String(1000 + ++seq).padStart(4, '0')} 5678` }), headers: apiKey() }),
      expect: (a: Answer) => {
        expect(a.status).toBe(202);
        expect(a.json.id).toMatch(/^XS-\d{6}$/);
      },
    },
    {
      path: '/api/activities',
      max: MAX_INTAKE_BODY_BYTES,
      valid: () => ({ body: JSON.stringify({ event_id: `ka-evt-${++seq}`, type: '下载资料', phone: '+86 139-1234-5678' }), headers: apiKey() }),
      expect: (a: Answer) => {
        expect(a.status).toBe(202);
        expect(['recorded', 'pending']).toContain(a.json.status);
      },
    },
    {
      path: '/api/leads/batch',
      max: MAX_BATCH_BODY_BYTES,
      valid: () => ({ body: JSON.stringify({ items: [{ key: `k-${++seq}`, lead }] }), headers: apiKey() }),
      expect: (a: Answer) => {
        expect(a.status).toBe(200);
        expect(a.json.results).toHaveLength(1);
      },
    },
  ];

  describe.each(routes)('$path', (route) => {
    it.each([false, true])('an oversize body (chunked: %s) → 413, then a valid request on the same socket is answered', async (chunked) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const too = await send(agent, port, { path: route.path, headers: { 'content-type': 'application/json' }, body: Buffer.alloc(route.max + 512 * 1024, 0x78), chunked });
        expect(too.status).toBe(413);
        expect(too.connection).toBe('keep-alive'); // the rest was read and dropped
        const v = route.valid();
        const next = await send(agent, port, { path: route.path, headers: v.headers, body: v.body });
        route.expect(next);
        expect(next.socket).toBe(too.socket);
        const again = await send(agent, port, { method: 'GET', path: '/healthz' });
        expect(again.status).toBe(200);
      } finally {
        agent.destroy();
      }
    });

    it('a body past the drain bound → 413 with Connection: close; the next request goes on a new socket and is answered', async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const too = await send(agent, port, { path: route.path, headers: { 'content-type': 'application/json' }, body: Buffer.alloc(DRAIN_MAX_BYTES + 1024 * 1024, 0x78) });
        expect(too.status).toBe(413);
        expect(too.connection).toBe('close');
        const v = route.valid();
        const next = await send(agent, port, { path: route.path, headers: v.headers, body: v.body });
        route.expect(next);
        expect(next.socket).not.toBe(too.socket);
      } finally {
        agent.destroy();
      }
    });
  });

  it('a refusal before the body is read (no credential, 401) keeps the connection usable too', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const no = await send(agent, port, { path: '/api/leads', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...lead, need: 'x'.repeat(60_000) }) });
      expect(no.status).toBe(401);
      expect(no.connection).toBe('keep-alive');
      const next = await send(agent, port, { path: '/api/leads', headers: apiKey(), body: JSON.stringify({ ...lead, phone: '139 8888 5678' }) });
      expect(next.status).toBe(202);
      expect(next.socket).toBe(no.socket);
      const unknown = await send(agent, port, { path: '/nowhere', body: 'x'.repeat(200_000) }); // 404 with a body nobody reads
      expect(unknown.status).toBe(404);
      expect((await send(agent, port, { method: 'GET', path: '/healthz' })).socket).toBe(no.socket);
    } finally {
      agent.destroy();
    }
  });

  it('nothing was stored by the refused requests: only the valid events', () => {
    expect(stored).toBe(2 * 1 + 1); // one valid event after each of the three events-route cases
  });
});

describe('settleUnreadBody: a sender slower than the bound', () => {
  it('answers with Connection: close, and the client sends its next request on a new socket', async () => {
    const app = new Hono<AppEnv>();
    app.use('*', settleUnreadBody({ maxMs: 200 }));
    app.post(
      '/small',
      limitBody(1024, (c) => c.json({ error: 'too_large' }, 413)),
      (c) => c.json({ ok: true }),
    );
    app.get('/', (c) => c.json({ ok: true }));
    const server = await serveOnLoopback(app.fetch);
    const port = server.port;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answered = await new Promise<Answer>((resolve, reject) => {
        const req = http.request({ agent, host: '127.0.0.1', port, method: 'POST', path: '/small' }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, json: undefined, socket: req.socket }));
        });
        req.on('error', () => undefined); // the server closes while we still trickle
        req.write(Buffer.alloc(4096, 0x78)); // past the limit, then nothing more for a while
        setTimeout(() => req.destroy(), 1500);
        setTimeout(() => reject(new Error('no answer')), 1400);
      });
      expect(answered.status).toBe(413);
      expect(answered.connection).toBe('close');
      const next = await send(agent, port, { method: 'GET', path: '/' });
      expect(next.status).toBe(200);
      expect(next.socket).not.toBe(answered.socket);
    } finally {
      agent.destroy();
      await server.close();
    }
  });
});
