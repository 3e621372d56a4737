import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createFeishuVerifier } from '../../src/feishu/verify.js';
import { testLogger } from '../support/log-capture.js';
import { Secret } from '../../src/lib/secret.js';
import { aesEncrypt } from '../../src/sandbox/feishu/events/crypto.js';
import { cardWorld, openIdOf, T0, type CardWorld } from '../support/card-world.js';
import { refusalCases, signedRequest, type SignedReq } from '../support/feishu-signed.js';

/**
 * POST /feishu/card: the same verifier as /feishu/events (docs/reliability.md#12-the-forged-request-matrix), against forged,
 * tampered, stale, replayed and malformed callbacks. Each refusal asserts its status and that the
 * store is exactly as before (no card closed, no lead moved, nothing queued); signatures are computed
 * independently of the product code.
 */
const KEY = 'card-enc-key-for-tests';
const TOKEN = 'card-verification-token';
const NOW = T0;

let seq = 0;
function clickEnvelope(o: { message: string; operator: string; value?: Record<string, unknown>; name?: string; form?: Record<string, unknown>; token?: string; eventId?: string; eventType?: string }) {
  return {
    schema: '2.0',
    header: { event_id: o.eventId ?? `card-ev-${++seq}`, event_type: o.eventType ?? 'card.action.trigger', create_time: String(NOW), token: o.token ?? TOKEN, app_id: 'cli_test', tenant_key: 't' },
    event: {
      operator: { open_id: o.operator, tenant_key: 't' },
      token: `c-${seq}`,
      action: { tag: 'button', ...(o.value ? { value: o.value } : {}), ...(o.name ? { name: o.name } : {}), ...(o.form ? { form_value: o.form } : {}) },
      context: { open_message_id: o.message, open_chat_id: 'oc_team' },
    },
  };
}

describe('POST /feishu/card: verification, then the action', () => {
  let w: CardWorld;
  let answered = 0;
  let lead: Awaited<ReturnType<CardWorld['assignedLead']>>;
  const make = (keys: { encryptKey?: string; token?: string } = { encryptKey: KEY, token: TOKEN }) =>
    createApp({
      ping: w.store.ping,
      log: testLogger(),
      mode: 'feishu',
      version: 't',
      startedAt: new Date(NOW),
      feishuCard: {
        act: w.act,
        onAnswered: () => answered++,
        verify: createFeishuVerifier({ encryptKey: keys.encryptKey ? new Secret(keys.encryptKey) : undefined, verificationToken: keys.token ? new Secret(keys.token) : undefined, clock: w.clock }),
      },
    });
  let app: Awaited<ReturnType<typeof make>>;
  const post = (r: SignedReq) => app.request('/feishu/card', { method: 'POST', headers: r.headers, body: r.body });
  const acceptBy = (who: string, o: { token?: string; eventId?: string } = {}) => clickEnvelope({ message: lead.assignmentMessage, operator: who, value: { op: 'accept' }, ...o });
  const signed = (payload: unknown, ts = NOW, nonce?: string) => signedRequest(payload, { key: KEY, ts, ...(nonce ? { nonce } : {}) });

  beforeEach(async () => {
    w = await cardWorld();
    lead = await w.assignedLead();
    answered = 0;
    app = make();
  });

  const refusals = refusalCases({ key: KEY, token: TOKEN, now: NOW, envelope: (token) => acceptBy(openIdOf('李雷'), token ? { token } : {}) });
  it.each(refusals)('refuses %s with no state change', async (_name, build, status, reason) => {
    const before = await w.snapshot();
    const res = await post(build());
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ error: reason });
    expect(await w.snapshot()).toEqual(before);
    expect(answered).toBe(0);
  });

  it('an event that is not a card action (a record change sent to the card URL) is refused', async () => {
    const before = await w.snapshot();
    const res = await post(signed(clickEnvelope({ message: lead.assignmentMessage, operator: openIdOf('李雷'), value: { op: 'accept' }, eventType: 'drive.file.bitable_record_changed_v1' })));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'unexpected_event_type' });
    expect(await w.snapshot()).toEqual(before);
  });

  it('a signed callback without an operator is malformed', async () => {
    const env = acceptBy(openIdOf('李雷')) as { event: Record<string, unknown> };
    delete env.event.operator;
    const before = await w.snapshot();
    const res = await post(signed(env));
    expect(res.status).toBe(400);
    expect(await w.snapshot()).toEqual(before);
  });

  it('a valid click is answered with a toast and the new card; the queued writes are started after the answer', async () => {
    const res = await post(signed(acceptBy(openIdOf('李雷'))));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { toast: { type: string; content: string; i18n: Record<string, string> }; card?: { type: string; data: { header: { title: { content: string } } } } };
    expect(body.toast).toMatchObject({ type: 'success', content: '已认领', i18n: { zh_cn: '已认领', en_us: 'Done: accepted' } });
    expect(body.card?.type).toBe('raw');
    expect(body.card!.data.header.title.content).toContain('已认领');
    expect(answered).toBe(1);
    expect((await w.store.leads.get(lead.leadId))!.ownerId).toBe(openIdOf('李雷'));
  });

  it('a click by someone not allowed is answered 200 with a warning toast (Feishu shows it) and changes nothing', async () => {
    const before = await w.snapshot();
    const res = await post(signed(acceptBy(openIdOf('韩梅梅'))));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { toast: { type: string } }).toast.type).toBe('warning');
    expect(await w.snapshot()).toEqual(before);
  });

  it('20 a captured click replayed inside the window: no second effect, told it was done', async () => {
    const r = signed(acceptBy(openIdOf('李雷')));
    expect((await post(r)).status).toBe(200);
    const after = await w.snapshot();
    w.clock.advance(60_000);
    const again = await post(r);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { toast: { type: string; content: string } }).toast).toMatchObject({ type: 'info' });
    expect(await w.snapshot()).toEqual(after);
    // the same request outside the window is refused outright
    w.clock.advance(300_000);
    expect((await post(r)).status).toBe(401);
  });

  it('20 signed clicks at once by different people: exactly one owner', async () => {
    const people = ['李雷', '陈静', '韩梅梅', '王敏', '张伟', '刘洋'].map((p) => openIdOf(p as '李雷'));
    const clicks = Array.from({ length: 20 }, (_, i) => signed(acceptBy(people[i % people.length]!), NOW, `n${i}`));
    const answers = await Promise.all(clicks.map(async (c) => ((await (await post(c)).json()) as { toast: { type: string } }).toast.type));
    expect(answers.filter((t) => t === 'success')).toHaveLength(1);
    expect((await w.store.assignments.listForLead(lead.leadId)).map((a) => a.status)).toEqual(['accepted']);
    expect((await w.store.leads.get(lead.leadId))!.ownerId).toBe(openIdOf('李雷'));
  });

  it('answers the url_verification challenge configured on the callback URL', async () => {
    const res = await post({ body: JSON.stringify({ encrypt: aesEncrypt(JSON.stringify({ type: 'url_verification', challenge: 'card-ch', token: TOKEN }), KEY) }), headers: {} });
    expect(await res.json()).toEqual({ challenge: 'card-ch' });
  });

  it('fails closed without an Encrypt Key or a Verification Token (503)', async () => {
    const before = await w.snapshot();
    for (const keys of [{ token: TOKEN }, { encryptKey: KEY }, {}]) {
      app = make(keys);
      expect((await post(signed(acceptBy(openIdOf('李雷'))))).status).toBe(503);
    }
    expect(await w.snapshot()).toEqual(before);
  });

  it('refuses an oversize body with 413 before verifying it', async () => {
    const before = await w.snapshot();
    const big = clickEnvelope({ message: lead.assignmentMessage, operator: openIdOf('李雷'), name: 'return', form: { reason: '需求不明确', note: 'x'.repeat(100 * 1024) } });
    const res = await post(signed(big));
    expect(res.status).toBe(413);
    expect(await w.snapshot()).toEqual(before);
  });
});
