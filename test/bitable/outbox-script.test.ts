import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/store/db.js';
import { createStore } from '../../src/store/store.js';
import { runScript } from '../support/run-script.js';
import { tempDbPath } from '../support/temp-db.js';

/** `npm run outbox -- list | retry`: dead letters are visible and can be sent again. */
describe('npm run outbox', () => {
  const db = tempDbPath();
  afterAll(() => db.remove());

  it('lists dead letters with their error, re-queues the ones named, refuses bad input', async () => {
    const store = createStore(openDb(db.path));
    const now = new Date();
    await store.tableWrites.enqueueCreate('appA/tblLeads', { leadKey: 'XS-000007', fields: { 公司名称: '甲', 电话: 'call me' } }, 'c7', now);
    await store.tableWrites.enqueueUpdate('appA/tblLeads', { recordId: 'recB', fields: { 线索评分: 3 } }, 'u8', now);
    const ids = (store.db.prepare("SELECT id FROM outbox WHERE idempotency_key IN ('c7', 'u8') ORDER BY id").all() as Array<{ id: number }>).map((r) => r.id);
    await store.tableWrites.rowDead(ids[0]!, 'HTTP 200 · code 1254072 · PhoneFieldConvFail', now);
    await store.tableWrites.rowDead(ids[1]!, 'HTTP 200 · code 1254043 · RecordIdNotFound', now);
    // a card Feishu refused for good (the bot was removed from the group)
    const card = await store.messages.enqueue({ kind: 'im.send', target: 'oc_team', payload: { chatId: 'oc_team', msgType: 'interactive', content: {}, uuid: 'lj-1' }, idempotencyKey: 'lj-1', now });
    await store.messages.claim(now, 10, 60_000);
    await store.messages.markFailed(card.id, 'HTTP 400 · code 230002 · Bot is not in the chat', now, { dead: true });
    store.db.close();
    const env = { DATABASE_PATH: db.path };

    const list = await runScript('outbox', env, ['list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('死信 dead 2');
    expect(list.stdout).toContain(`#${ids[0]}  bitable.create  tblLeads  XS-000007`);
    expect(list.stdout).toContain('1254072 · PhoneFieldConvFail');
    expect(list.stdout).toContain('Fields: 公司名称, 电话');
    expect(list.stdout).toContain(`#${card.id}  im.send  oc_team`);
    expect(list.stdout).toContain('230002 · Bot is not in the chat');

    const retry = await runScript('outbox', env, ['retry', String(ids[0])]);
    expect(retry.stdout).toContain('Re-queued 1');
    const again = createStore(openDb(db.path));
    expect(await again.tableWrites.counts()).toMatchObject({ pending: 1, dead: 1 });
    expect(await again.messages.counts()).toMatchObject({ pending: 0, dead: 1 });
    again.db.close();
    expect((await runScript('outbox', env, ['retry', String(ids[0])])).stdout).toContain('is not a dead letter');
    expect((await runScript('outbox', env, ['retry', '--all'])).stdout).toContain('Re-queued 2');
    const last = createStore(openDb(db.path));
    expect(await last.messages.counts()).toMatchObject({ pending: 1, dead: 0 });
    expect(await last.tableWrites.counts()).toMatchObject({ pending: 2, dead: 0 });
    last.db.close();
    expect((await runScript('outbox', env, ['retry'])).code).toBe(2);
    expect((await runScript('outbox', env, ['purge'])).code).toBe(2);
  });
});
