import { Hono } from 'hono';
import { Webhook } from 'standardwebhooks';
import { leadMinimumOf } from '../../src/domain/journey.js';
import { createIntakeBodyParser } from '../../src/http/intake-body.js';
import { createActivityBodyParser } from '../../src/http/activity-body.js';
import { createIntakeRoutes, type IntakeRouteDeps } from '../../src/http/intake-routes.js';
import { requestLog, type AppEnv } from '../../src/http/request-log.js';
import { testLogger } from './log-capture.js';
import { Secret } from '../../src/lib/secret.js';
import { signingSecret } from '../../src/lib/source-keys.js';
import { optionsOf } from '../../src/rules/rule-table.js';
import { addSource } from '../../src/usecases/intake-sources.js';
import { cardWorld } from './card-world.js';
import { registerSecret } from './log-capture.js';

export const SIGNING_KEY = 'test-signing-key-0123456789abcdefghijklmnop';
export const FORM_ORIGIN = 'https://www.example.com';

/**
 * POST /api/leads over the card world's use cases (an in-memory store, the default rules, a fixed team):
 * a web form's source (API key, channel 官网咨询), an event app's signing source, and helpers to post.
 */
export async function intakeWorld(o: { rate?: number } = {}) {
  registerSecret(SIGNING_KEY);
  const w = await cardWorld();
  const channels = optionsOf(w.ruleSet.template, 'leads', '来源渠道');
  const now = w.clock.now();
  const form = await addSource(w.store, { name: '官网表单', channel: '官网咨询', channels, ratePerMinute: o.rate ?? 100_000, now });
  const fair = await addSource(w.store, { name: '展会小程序', channel: '线下活动', channels, signed: true, signingKey: SIGNING_KEY, ratePerMinute: o.rate ?? 100_000, now });
  if (!form.ok || !fair.ok) throw new Error('sources not made');
  const fairSource = fair.source;
  let accepted = 0;
  const intakeDeps: IntakeRouteDeps = {
    store: w.store,
    clock: w.clock,
    intake: w.lj.intake,
    parse: createIntakeBodyParser(w.ruleSet.template, leadMinimumOf(w.journey)),
    activities: w.lj.intakeActivities,
    parseActivity: createActivityBodyParser(w.ruleSet.template),
    signingKey: new Secret(SIGNING_KEY),
    corsOrigins: [FORM_ORIGIN],
    onAccepted: () => accepted++,
  };
  const app = new Hono<AppEnv>();
  app.use('*', requestLog(testLogger()));
  app.route('/', createIntakeRoutes(intakeDeps));
  const key = form.credential;

  /** Post a JSON body (an object is stringified) with the form's API key unless headers say otherwise. */
  async function post(body: unknown, headers: Record<string, string> = {}, path = '/api/leads') {
    const raw = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
    const res = await app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers }, body: raw as BodyInit });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, headers: res.headers };
  }

  /** Post signed as the event app (Standard Webhooks), at `at` (default now). */
  function postSigned(body: unknown, o2: { id?: string; at?: Date; secret?: string; headers?: Record<string, string> } = {}) {
    const raw = JSON.stringify(body);
    const id = o2.id ?? `msg_${Math.random().toString(36).slice(2)}`;
    const at = o2.at ?? new Date();
    const sig = new Webhook(o2.secret ?? signingSecret(SIGNING_KEY, fairSource.id)).sign(id, at, raw);
    return post(raw, { authorization: '', 'x-source-id': fairSource.id, 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': sig, ...o2.headers });
  }

  /** Post a behaviour event to /api/activities with the form's API key. */
  const postActivity = (body: unknown, headers: Record<string, string> = {}) => post(body, headers, '/api/activities');
  return { ...w, app, intakeDeps, key, form: form.source, fair: fair.source, post, postSigned, postActivity, accepted: () => accepted };
}

export type IntakeWorld = Awaited<ReturnType<typeof intakeWorld>>;

/** What the Bitable was told about a lead created by the server: its create, then its updates (by 线索编号 or record). */
export async function serverRow(w: IntakeWorld, leadKey: string): Promise<Record<string, unknown>> {
  const lead = await w.store.leads.getByKey(leadKey);
  const out: Record<string, unknown> = {};
  for (const r of (await w.store.sql.all("SELECT kind, payload_json FROM outbox WHERE kind IN ('bitable.create', 'bitable.update') ORDER BY id")) as Array<{ kind: string; payload_json: string }>) {
    const p = JSON.parse(r.payload_json) as { leadKey?: string; recordId?: string; fields: Record<string, unknown> };
    if (p.leadKey === leadKey || (lead?.recordId && p.recordId === lead.recordId)) Object.assign(out, p.fields);
  }
  return out;
}
