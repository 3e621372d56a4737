import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createFeishuVerifier } from '../../src/feishu/verify.js';
import { Secret } from '../../src/lib/secret.js';
import { signingSecret } from '../../src/lib/source-keys.js';
import { subscriberSecret } from '../../src/lib/subscriber-keys.js';
import type { EmuKernel } from '../../src/sandbox/feishu/kernel/kernel.js';
import { createDemoCrm } from '../../src/sandbox/demo-site/crm-receiver.js';
import { openIdOf } from '../support/card-world.js';
import { refusalCases, signedRequest } from '../support/feishu-signed.js';
import { type IntakeWorld, intakeWorld, SIGNING_KEY } from '../support/intake-world.js';
import { testLogger } from '../support/log-capture.js';
import { type LoopbackServer, serveOnLoopback } from '../support/loopback-server.js';
import { type SignedRequest, swRefusalCases, swSigned } from '../support/standard-webhooks-signed.js';

/**
 * Issue 22 item 9: the whole signed-request refusal table against every signed route, on one real
 * server composed as the product composes it (createApp): Feishu's events and card callbacks (the
 * Feishu table, test/support/feishu-signed.ts), the intake routes for signing sources and the receiving
 * side of our outbound webhooks — the demo CRM, which verifies as docs/webhooks.md tells receivers to
 * (the Standard Webhooks table, test/support/standard-webhooks-signed.ts). Each refusal: a 4xx, and
 * nothing changed — every table of the database read before and after, and what each route would have
 * set off. A valid request per route, last, is accepted: the table refuses forgeries, not everything.
 * docs/reliability.md#12-the-forged-request-matrix.
 */
const KEY = 'sweep-encrypt-key';
const TOKEN = 'sweep-verification-token';
const SUBSCRIBER_SECRET = subscriberSecret('sweep-webhook-master-key', 'crm', 1);

interface Route {
  name: string;
  path: string;
  cases: Array<[string, () => SignedRequest]>;
  valid: () => SignedRequest;
  accepted: number[];
  /** what the route sets off outside the database (stored events, card actions, accepted leads, CRM events) */
  effects: () => number | Promise<number>;
}

describe('the signed-request refusal table, against every signed route', () => {
  let w: IntakeWorld;
  let server: LoopbackServer;
  let stored = 0;
  let acted = 0;
  let seq = 0;
  const crm = createDemoCrm();

  beforeAll(async () => {
    w = await intakeWorld();
    await w.assignedLead();
    const verify = createFeishuVerifier({ encryptKey: new Secret(KEY), verificationToken: new Secret(TOKEN), clock: w.clock });
    const act: typeof w.act = (click) => {
      acted++;
      return w.act(click);
    };
    const app = createApp({
      ping: w.store.ping,
      log: testLogger(),
      mode: 'feishu',
      version: 't',
      startedAt: new Date(),
      feishuEvents: { store: w.store, clock: w.clock, onStored: () => stored++, verify },
      feishuCard: { act, onAnswered: () => undefined, verify },
      intake: w.intakeDeps,
    });
    // the receiving side of our outbound webhooks (the sandbox's demo CRM), next to the product's routes
    crm.setSecret(SUBSCRIBER_SECRET);
    const root = new Hono();
    crm.register({ directory: { listUsers: () => [] } } as unknown as EmuKernel, root, () => new Response(null, { status: 404 }));
    root.route('/', app);
    server = await serveOnLoopback(root.fetch);
  });
  afterAll(() => server.close());

  const post = async (path: string, r: SignedRequest) => {
    const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: r.headers, body: r.body });
    return { status: res.status, text: await res.text() };
  };

  /** Every row of every table, hashed: equal before and after means the request changed nothing. */
  const database = async () => {
    const h = createHash('sha256');
    const tables = (await w.store.sql.all("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) as Array<{ name: string }>;
    for (const { name } of tables) h.update(`${name}:${JSON.stringify(await w.store.sql.all(`SELECT * FROM "${name}"`))}\n`);
    return h.digest('hex');
  };

  const feishuNow = () => w.clock.now().getTime();
  const header = (eventType: string, token = TOKEN) => ({ event_id: `sweep-${++seq}`, event_type: eventType, create_time: String(feishuNow()), token, app_id: 'cli_test', tenant_key: 't' });
  const recordChanged = (token?: string) => ({ schema: '2.0', header: header('drive.file.bitable_record_changed_v1', token), event: { file_token: 'app', table_id: 'tbl', action_list: [] } });
  const cardClick = (token?: string) => ({
    schema: '2.0',
    header: header('card.action.trigger', token),
    event: { operator: { open_id: openIdOf('李雷') }, token: 'c', action: { tag: 'button', value: { op: 'accept' } }, context: { open_message_id: 'om_none', open_chat_id: 'oc_team' } },
  });
  const lead = () => JSON.stringify({ company: `签名测试${++seq}有限公司`, contact_name: '周敏', phone: `139${String(10_000_000 + seq).slice(-8)}`, industry: '制造业' });
  const activity = () => JSON.stringify({ event_id: `sweep-act-${++seq}`, type: '下载资料', phone: '+86 139-1234-5678' });
  const batch = () => JSON.stringify({ items: [{ key: `sweep-${++seq}`, lead: JSON.parse(lead()) }] });
  const crmEvent = () => JSON.stringify({ type: 'lead.stage_changed', timestamp: new Date().toISOString(), data: { lead: `XS-${String(++seq).padStart(6, '0')}` } });

  const fairSecret = () => signingSecret(SIGNING_KEY, w.fair.id);
  /** requests a signing source had taken (each accepted lead, batch or behaviour event is one) */
  const intakeTaken = async () => ((await w.store.sql.get('SELECT COUNT(*) AS n FROM intake_requests')) as { n: number }).n + ((await w.store.sql.get('SELECT COUNT(*) AS n FROM activities')) as { n: number }).n;
  const intakeRoute = (path: string, body: () => string, accepted: number[]): Route => ({
    name: `${path} (signing source)`,
    path,
    cases: [
      ...swRefusalCases({ secret: fairSecret(), now: Date.now, body, extra: { 'x-source-id': w.fair.id } }),
      ['X-Source-Id missing', () => swSigned(body(), { secret: fairSecret(), at: Date.now(), id: `msg_${++seq}` })],
      ['X-Source-Id of another source (an API-key source)', () => swSigned(body(), { secret: fairSecret(), at: Date.now(), id: `msg_${++seq}`, extra: { 'x-source-id': w.form.id } })],
      ['signed with the secret of another signing key', () => swSigned(body(), { secret: signingSecret('another-master-key', w.fair.id), at: Date.now(), id: `msg_${++seq}`, extra: { 'x-source-id': w.fair.id } })],
    ],
    valid: () => swSigned(body(), { secret: fairSecret(), at: Date.now(), id: `msg_valid_${++seq}`, extra: { 'x-source-id': w.fair.id } }),
    accepted,
    effects: intakeTaken,
  });

  const routes = (): Route[] => [
    {
      name: '/feishu/events',
      path: '/feishu/events',
      cases: refusalCases({ key: KEY, token: TOKEN, now: feishuNow(), envelope: recordChanged }).map(([n, build]) => [n, build]),
      valid: () => signedRequest(recordChanged(), { key: KEY, ts: feishuNow() }),
      accepted: [200],
      effects: () => stored,
    },
    {
      name: '/feishu/card',
      path: '/feishu/card',
      cases: refusalCases({ key: KEY, token: TOKEN, now: feishuNow(), envelope: cardClick }).map(([n, build]) => [n, build]),
      valid: () => signedRequest(cardClick(), { key: KEY, ts: feishuNow() }),
      accepted: [200],
      effects: () => acted,
    },
    intakeRoute('/api/leads', lead, [202]),
    intakeRoute('/api/activities', activity, [202]),
    intakeRoute('/api/leads/batch', batch, [200]),
    {
      name: '/demo/crm/webhook (our outbound webhooks, verified as docs/webhooks.md shows receivers)',
      path: '/demo/crm/webhook',
      cases: swRefusalCases({ secret: SUBSCRIBER_SECRET, now: Date.now, body: crmEvent }),
      valid: () => swSigned(crmEvent(), { secret: SUBSCRIBER_SECRET, at: Date.now(), id: `msg_valid_${++seq}` }),
      accepted: [204],
      effects: () => crm.counts.accepted,
    },
  ];

  it('every case on every route is refused and changes nothing; a valid request is then accepted', async () => {
    const seen: string[] = [];
    for (const route of routes()) {
      const before = { db: await database(), effects: await route.effects() };
      for (const [name, build] of route.cases) {
        const a = await post(route.path, build());
        seen.push(`${route.path} ${name}`);
        expect.soft(a.status, `${route.name}: ${name} → ${a.status} ${a.text}`).toBeGreaterThanOrEqual(400);
        expect.soft(a.status, `${route.name}: ${name}`).toBeLessThan(500);
      }
      expect(await database(), `${route.name}: the refused requests changed the database`).toBe(before.db);
      expect(await route.effects(), `${route.name}: the refused requests set something off`).toBe(before.effects);
      const ok = await post(route.path, route.valid());
      expect(route.accepted, `${route.name}: the valid request → ${ok.status} ${ok.text}`).toContain(ok.status);
      expect(await route.effects(), `${route.name}: the valid request was not taken`).toBe(before.effects + 1);
    }
    // the whole table ran on each route (a case list that shrank would make the sweep weaker unnoticed)
    expect(seen.filter((s) => s.startsWith('/feishu/events ')).length).toBeGreaterThanOrEqual(22);
    expect(seen.filter((s) => s.startsWith('/feishu/card ')).length).toBeGreaterThanOrEqual(22);
    for (const p of ['/api/leads', '/api/activities', '/api/leads/batch']) expect(seen.filter((s) => s.startsWith(`${p} `)).length).toBe(19);
    expect(seen.filter((s) => s.startsWith('/demo/crm/webhook ')).length).toBe(16);
  });

  it('a valid request sent again (a replay inside the window) is taken once', async () => {
    const once = async (path: string, r: SignedRequest, effects: () => number) => {
      const n = effects();
      const first = await post(path, r);
      const again = await post(path, r);
      expect(first.status, `${path} first`).toBeLessThan(300);
      expect(again.status, `${path} replay`).toBeLessThan(500);
      expect(effects(), `${path}: the replay was taken again`).toBe(n + 1);
    };
    await once('/feishu/events', signedRequest(recordChanged(), { key: KEY, ts: feishuNow() }), () => stored);
    await once('/api/leads', swSigned(lead(), { secret: fairSecret(), at: Date.now(), id: `msg_replay_${++seq}`, extra: { 'x-source-id': w.fair.id } }), () => w.accepted());
    await once('/demo/crm/webhook', swSigned(crmEvent(), { secret: SUBSCRIBER_SECRET, at: Date.now(), id: `msg_replay_${++seq}` }), () => crm.counts.accepted);
  });
});
