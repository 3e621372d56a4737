import { afterEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { systemClock } from '../../src/lib/clock.js';
import { testLogger } from '../support/log-capture.js';
import { Secret } from '../../src/lib/secret.js';
import { subscriberSecret } from '../../src/lib/subscriber-keys.js';
import { SUBSCRIBER_TARGET, type WebhookSendPayload } from '../../src/ports/webhooks.js';
import type { WebhookSubscriber } from '../../src/store/webhook-subscribers-repo.js';
import { publishLeadEvent } from '../../src/usecases/lead-events.js';
import { addSubscriber, replayTo, rotateSubscriber, sendTest } from '../../src/usecases/webhook-subscribers.js';
import { createWebhookSender } from '../../src/webhooks/sender.js';
import { cardWorld, type CardWorld } from '../support/card-world.js';
import { startEventReceiver, type EventReceiver } from '../support/event-receiver.js';
import { waitUntil } from '../support/webhook-server.js';

/**
 * Lead events for webhook subscribers (issue 10 item 5): queued in the decision's own transaction, one
 * row per subscriber that wants the type, signed with the subscriber's own derived secret, delivered
 * once each to a receiver that verifies them, and delivered after the receiver was down.
 */
const KEY = 'test-webhook-signing-key-0123456789abcdef';
const log = testLogger();

async function subscribe(w: CardWorld, name: string, url: string, events: string[] = []): Promise<WebhookSubscriber> {
  const r = await addSubscriber(w.store, { name, url, events, signingKey: KEY, now: w.clock.now() });
  if (!r.ok) throw new Error(r.problem.en);
  expect(r.secret).toBe(subscriberSecret(KEY, r.subscriber.id, 1));
  return r.subscriber;
}

/** The bodies queued for a subscriber, in order. */
async function queued(w: CardWorld, s: WebhookSubscriber): Promise<Array<WebhookSendPayload['body'] & { data: any }>> {
  const rows = await w.store.sql.all<{ payload_json: string }>('SELECT payload_json FROM outbox WHERE target = ? ORDER BY id', [SUBSCRIBER_TARGET(s.id)]);
  return rows.map((r) => (JSON.parse(r.payload_json) as WebhookSendPayload).body as any);
}

describe('lead events queued for subscribers', () => {
  it('created, stage changed (from, to), assigned, accepted, returned (reason) and threshold crossed, each once, to those who want them', async () => {
    const w = await cardWorld();
    const crm = await subscribe(w, 'CRM', 'https://crm.example.com/hooks/leads');
    const dw = await subscribe(w, '数据仓库', 'https://dw.example.com/in', ['lead.returned']);

    const kept = await w.assignedLead();
    await w.click(kept.assignmentMessage, '李雷', { op: 'accept' });
    const back = await w.assignedLead();
    const r = await w.click(back.assignmentMessage, '李雷', { op: 'return', form: { reason: '需求不明确', note: '只是了解一下' } });
    expect(r.toast.type).toBe('success');
    const hot = await w.newLead({ company: '星河云科技', email: 'qian@xinghe.example', phone: '13800138000', need: '私有化部署', source: '官网咨询', industry: '信息技术', size: '200-999人' }, { stage: 'nurture' });
    expect(hot.stage).toBe('mql');

    const all = await queued(w, crm);
    const of = (key: string) => all.filter((b) => b.data.lead.key === key).map((b) => b.type);
    const first = (await w.store.leads.get(kept.leadId))!.leadKey;
    const second = (await w.store.leads.get(back.leadId))!.leadKey;
    expect(of(first)).toEqual(['lead.created', 'lead.stage_changed', 'lead.stage_changed', 'lead.assigned', 'lead.accepted']);
    expect(of(second)).toEqual(['lead.created', 'lead.stage_changed', 'lead.stage_changed', 'lead.assigned', 'lead.returned', 'lead.stage_changed']);
    expect(of(hot.leadKey)).toEqual(['lead.created', 'lead.score_threshold_crossed', 'lead.stage_changed']);

    const about = (key: string, type: string) => all.filter((b) => b.data.lead.key === key && b.type === type);
    expect(about(first, 'lead.created')[0]!.data).toMatchObject({ stage: { id: 'lead' }, actor: 'ou_zhangwei', lead: { key: first, company: expect.stringContaining('测试公司'), phone: '138****8000' } });
    expect(about(first, 'lead.stage_changed')[1]!.data).toMatchObject({ from: { id: 'mql', label: 'MQL' }, to: { id: 'sql', label: 'SQL' }, actor: 'ou_wangmin', lead: { stage: 'sql' } }); // applied when 王敏 approved
    expect(about(first, 'lead.assigned')[0]!.data).toMatchObject({ owner: 'ou_lilei', accepted: false, accept_due_at: expect.any(String) });
    expect(about(first, 'lead.accepted')[0]!.data).toMatchObject({ owner: 'ou_lilei', by: 'ou_lilei', follow_up_due_at: expect.any(String) });
    expect(about(second, 'lead.returned')[0]!.data).toMatchObject({ owner: 'ou_lilei', reason: '需求不明确', note: '只是了解一下', by: 'ou_lilei' });
    expect(about(hot.leadKey, 'lead.score_threshold_crossed')[0]!.data).toMatchObject({ stage: { id: 'mql', label: 'MQL' }, threshold: 40, before: 0, score: 47 });
    expect(about(hot.leadKey, 'lead.stage_changed')[0]!.data).toMatchObject({ from: { id: 'nurture' }, to: { id: 'mql' }, actor: 'system:score', reason: expect.stringContaining('阈值 40') });
    // never the full phone number; each event its own id; the ids stable per event
    expect(JSON.stringify(all)).not.toContain('13800138000');
    expect(new Set(all.map((b) => b.data.id)).size).toBe(all.length);

    // the warehouse wanted returns only: the same event, with the same id
    const dwAll = await queued(w, dw);
    expect(dwAll.map((b) => b.type)).toEqual(['lead.returned']);
    expect(dwAll[0]!.data.id).toBe(about(second, 'lead.returned')[0]!.data.id);
  });

  it('nothing is queued without subscribers, or when the decision is rolled back; a removed subscriber hears nothing more', async () => {
    const w = await cardWorld();
    await w.pendingLead();
    expect(await w.store.sql.all("SELECT id FROM outbox WHERE kind = 'webhook.send'")).toEqual([]);
    const s = await subscribe(w, 'CRM', 'https://crm.example.com/hooks/leads');
    const lead = (await w.store.leads.get(1))!;
    await expect(
      w.store.transaction(async () => {
        expect(await publishLeadEvent(w.store, lead, 'lead.created', 'x', {}, w.clock.now())).toBe(1);
        throw new Error('the decision failed');
      }),
    ).rejects.toThrow('the decision failed');
    expect(await queued(w, s)).toEqual([]);
    await w.store.webhookSubscribers.revoke(s.id, w.clock.now());
    await w.pendingLead();
    expect(await queued(w, s)).toEqual([]);
  });
});

describe('delivery to a receiver that verifies', () => {
  let receiver: EventReceiver | undefined;
  afterEach(async () => receiver?.close());

  const senderFor = (w: CardWorld, key: string | null = KEY, backoff = { baseMs: 1, capMs: 20 }) =>
    createWebhookSender({ store: w.store, clock: systemClock, log, secret: undefined, subscriberKey: key ? new Secret(key) : undefined, backoff, random: () => 0.5, timeoutMs: 2_000 });
  const statuses = async (w: CardWorld, s: WebhookSubscriber) => (await w.store.sql.all<{ status: string }>('SELECT status FROM outbox WHERE target = ? ORDER BY id', [SUBSCRIBER_TARGET(s.id)])).map((r) => r.status);
  /** kick until every row of the subscriber is settled */
  const settle = (w: CardWorld, s: WebhookSubscriber, sender: ReturnType<typeof senderFor>) =>
    waitUntil(
      async () => {
        await sender.kick();
        const st = await statuses(w, s);
        return st.every((x) => x === 'done' || x === 'dead') && st;
      },
      15_000,
      'the deliveries to settle',
    );

  it('sees each event once with a valid signature, and gets them after it was down; a replay repeats ids it already has', async () => {
    const w = await cardWorld();
    const probe = await startEventReceiver('whsec_cGxhY2Vob2xkZXJwbGFjZWhvbGRlcnBsYWNlaG9sZGVy');
    const s = await subscribe(w, 'CRM', probe.url);
    receiver = probe;
    receiver.useSecret(subscriberSecret(KEY, s.id, 1));
    await receiver.down(); // the CRM is down while leads move

    const a = await w.assignedLead();
    await w.click(a.assignmentMessage, '李雷', { op: 'accept' });
    // retries 100–200 ms apart: each kick while it is down is one attempt, far from the 15 that make a
    // dead letter (a backoff of a few ms would let one pass try again and again)
    const sender = senderFor(w, KEY, { baseMs: 200, capMs: 400 });
    await sender.kick();
    await sender.kick();
    expect(receiver.events).toEqual([]);
    expect(await statuses(w, s)).toEqual(['pending', 'pending', 'pending', 'pending', 'pending']);
    expect(sender.stats.retried).toBeGreaterThan(0);

    await receiver.up();
    expect(await settle(w, s, sender)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(receiver.events.map((e) => e.type)).toEqual(['lead.created', 'lead.stage_changed', 'lead.stage_changed', 'lead.assigned', 'lead.accepted']);
    expect([...receiver.deliveries.values()]).toEqual([1, 1, 1, 1, 1]);
    expect(receiver.refused()).toBe(0);
    expect(receiver.events[2]!.data).toMatchObject({ from: { id: 'mql' }, to: { id: 'sql' } });

    // the CRM lost its data: a replay sends the same events with the same webhook-ids, which it dedupes
    expect(await replayTo(w.store, s, new Date(0), new Date())).toBe(5);
    await settle(w, s, sender);
    expect(receiver.events).toHaveLength(5);
    expect([...receiver.deliveries.values()]).toEqual([2, 2, 2, 2, 2]);
  });

  it('signs with the subscriber’s secret of now: after a rotation the old secret is refused, the event waits as a dead letter and is sent again', async () => {
    const w = await cardWorld();
    receiver = await startEventReceiver('whsec_cGxhY2Vob2xkZXJwbGFjZWhvbGRlcnBsYWNlaG9sZGVy');
    const s = await subscribe(w, 'CRM', receiver.url);
    receiver.useSecret(subscriberSecret(KEY, s.id, 1));
    const rotated = await rotateSubscriber(w.store, s, KEY);
    if (!rotated.ok) throw new Error(rotated.problem.en);
    expect(rotated.secret).toBe(subscriberSecret(KEY, s.id, 2));

    await sendTest(w.store, s, w.clock.now());
    const sender = senderFor(w);
    expect(await settle(w, s, sender)).toEqual(['dead']); // the receiver still checks with the old secret: 401
    expect(receiver.refused()).toBe(1);
    const [dead] = await w.store.messages.listByStatus('dead');
    expect(dead!.lastError).toBe('HTTP 401');

    receiver.useSecret(rotated.secret); // the new secret pasted into the CRM; npm run outbox -- retry
    expect(await w.store.messages.requeueDead(dead!.id, new Date())).toBe(true);
    expect(await settle(w, s, sender)).toEqual(['done']);
    expect(receiver.events.map((e) => e.type)).toEqual(['webhook.test']);
    expect(receiver.events[0]!.data).toMatchObject({ subscriber: 'CRM', id: expect.stringMatching(/^evt_/) });
  });

  it('an event for a subscriber removed meanwhile, or with no WEBHOOK_SIGNING_KEY, is a dead letter saying why; the URL of now is used', async () => {
    const w = await cardWorld();
    receiver = await startEventReceiver('whsec_cGxhY2Vob2xkZXJwbGFjZWhvbGRlcnBsYWNlaG9sZGVy');
    const s = await subscribe(w, 'CRM', 'https://crm.example.invalid/hooks');
    receiver.useSecret(subscriberSecret(KEY, s.id, 1));
    await sendTest(w.store, s, w.clock.now());
    expect(await settle(w, s, senderFor(w, null))).toEqual(['dead']);
    expect((await w.store.messages.listByStatus('dead'))[0]!.lastError).toContain('WEBHOOK_SIGNING_KEY is not set');

    // moved: queued and dead-lettered events go to the new URL
    expect(await w.store.webhookSubscribers.setUrl(s.id, receiver.url)).toBe(true);
    await w.store.messages.requeueDead((await w.store.messages.listByStatus('dead'))[0]!.id, new Date());
    expect(await settle(w, s, senderFor(w))).toEqual(['done']);
    expect(receiver.events).toHaveLength(1);

    await sendTest(w.store, s, w.clock.now());
    await w.store.webhookSubscribers.revoke(s.id, new Date());
    expect(await settle(w, s, senderFor(w))).toEqual(['done', 'dead']);
    expect((await w.store.messages.listByStatus('dead'))[0]!.lastError).toContain('was removed');
    expect(receiver.events).toHaveLength(1);
    // and no one can check its signature with the wrong secret
    expect(() => new Webhook(subscriberSecret(KEY, s.id, 2)).verify('{}', { 'webhook-id': 'x', 'webhook-timestamp': '1', 'webhook-signature': 'v1,x' })).toThrow();
  });
});
