import { afterAll, describe, expect, it } from 'vitest';
import { subscriberSecret } from '../src/lib/subscriber-keys.js';
import type { WebhookSendPayload } from '../src/ports/webhooks.js';
import { openDb } from '../src/store/db.js';
import { createStore } from '../src/store/store.js';
import { runScript } from './support/run-script.js';
import { tempDbPath } from './support/temp-db.js';

/** `npm run webhooks`: who hears about lead events; secrets derived from WEBHOOK_SIGNING_KEY, never stored. */
describe('npm run webhooks', () => {
  const db = tempDbPath();
  afterAll(() => db.remove());
  const KEY = 'a-master-key-for-webhook-subscribers-000';
  const env = { DATABASE_PATH: db.path, WEBHOOK_SIGNING_KEY: KEY };
  const SECRET = /\b(whsec_[A-Za-z0-9+/]{43}=)/;

  it('adds a subscriber and shows its derived secret, lists it, rotates, moves, tests, replays and removes it', async () => {
    const add = await runScript('webhooks', env, ['add', 'CRM', 'https://crm.example.com/hooks/leads?token=abc', '--events', 'lead.created,lead.returned']);
    expect(add.code, add.stderr).toBe(0);
    const id = /id ([a-z0-9]{10})/.exec(add.stdout)![1]!;
    expect(SECRET.exec(add.stdout)![1]).toBe(subscriberSecret(KEY, id, 1));
    const store = createStore(openDb(db.path));
    expect(await store.webhookSubscribers.get(id)).toMatchObject({ name: 'CRM', events: ['lead.created', 'lead.returned'], secretVersion: 1, revokedAt: null });
    expect(JSON.stringify(await store.sql.all('SELECT * FROM webhook_subscribers'))).not.toContain('whsec_');
    store.db.close();

    const list = await runScript('webhooks', env, ['list']);
    expect(list.stdout).toContain(`${id}  CRM  https://crm.example.com/hooks/leads?…`);
    expect(list.stdout).not.toContain('token=abc'); // a token in the query is not shown
    expect(list.stdout).toContain('事件 events lead.created, lead.returned · 待发 pending 0 · 已送达 delivered 0 · 死信 dead 0');

    const secret = await runScript('webhooks', env, ['secret', 'CRM']);
    expect(SECRET.exec(secret.stdout)![1]).toBe(subscriberSecret(KEY, id, 1));
    const rotate = await runScript('webhooks', env, ['rotate', id]);
    expect(SECRET.exec(rotate.stdout)![1]).toBe(subscriberSecret(KEY, id, 2));

    const moved = await runScript('webhooks', env, ['url', 'CRM', 'https://crm2.example.com/in']);
    expect(moved.code, moved.stderr).toBe(0);
    const test = await runScript('webhooks', env, ['test', 'CRM']);
    expect(test.stdout).toContain('已排队测试事件 evt_');
    const after = createStore(openDb(db.path));
    const [row] = await after.messages.listByStatus('pending');
    expect(row).toMatchObject({ kind: 'webhook.send', target: `subscriber:${id}` });
    expect((row!.payload as WebhookSendPayload).body.type).toBe('webhook.test');
    expect((await after.webhookSubscribers.get(id))!.url).toBe('https://crm2.example.com/in');
    // delivered, then the CRM lost it: a replay of the last day queues it again
    await after.sql.run("UPDATE outbox SET status = 'done'");
    after.db.close();
    const replay = await runScript('webhooks', env, ['replay', 'CRM', '--since', '1d']);
    expect(replay.stdout).toContain('的 1 个事件');
    const none = await runScript('webhooks', env, ['replay', 'CRM', '--since', '2099-01-01']);
    expect(none.stdout).toContain('的 0 个事件');

    const remove = await runScript('webhooks', env, ['remove', 'CRM']);
    expect(remove.stdout).toContain('已删除「CRM」');
    const gone = await runScript('webhooks', env, ['secret', 'CRM']);
    expect(gone.code).toBe(2);
    const again = await runScript('webhooks', env, ['add', 'CRM', 'https://crm.example.com/v2']); // the name is free again
    expect(again.code, again.stderr).toBe(0);
  });

  it('refuses without WEBHOOK_SIGNING_KEY, a plain-http URL off this machine, an unknown event, a bad --since, and bad usage', async () => {
    const noKey = await runScript('webhooks', { DATABASE_PATH: db.path }, ['add', '数仓', 'https://dw.example.com/in']);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('WEBHOOK_SIGNING_KEY');
    const http = await runScript('webhooks', env, ['add', '数仓', 'http://dw.example.com/in']);
    expect(http.stderr).toContain('网址须为 https://');
    const local = await runScript('webhooks', env, ['add', '本机', 'http://127.0.0.1:9/in']);
    expect(local.code, local.stderr).toBe(0);
    const event = await runScript('webhooks', env, ['add', '数仓', 'https://dw.example.com/in', '--events', 'lead.created,lead.deleted']);
    expect(event.stderr).toContain('没有这种事件：lead.deleted');
    const since = await runScript('webhooks', env, ['replay', '本机', '--since', 'yesterday']);
    expect(since.stderr).toContain('看不懂 --since');
    const usage = await runScript('webhooks', env, ['url', '本机']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('用法 Usage');
  });
});
