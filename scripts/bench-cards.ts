/**
 * npm run bench:cards [-- --cards 30]
 *
 * Card-action latency over each way a click reaches the server: Feishu by webhook, Feishu over the long
 * connection (FEISHU_TRANSPORT), and DingTalk over Stream (SANDBOX_CHAT_PLATFORM=dingtalk). Starts the
 * server the way `npm start` does (sandbox, a temporary database) once for each;
 * in each, takes `--cards` new leads to MQL and asks SQL in the grid, then clicks 通过 on every approval
 * card as the marketing director. The figure is the callback's round trip as the emulator measures it
 * (the click sent → the answer, toast and new card, back): p50, p99 and the slowest. Loopback only.
 * Prints figures; asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runMain } from '../test/support/run-main.js';
import { reportFigure } from './lib/bench-figures.js';

const { values } = parseArgs({ options: { cards: { type: 'string', default: '30' } } });
const CARDS = Number(values.cards);
const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (v: unknown) => (Array.isArray(v) ? v.map((s) => (s as { text?: string }).text ?? '').join('') : String(v ?? ''));

type Transport = 'webhook' | 'long-connection' | 'dingtalk-stream';

async function measure(transport: Transport): Promise<{ rtt: number[]; wall: number[]; failed: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'lj-bench-cards-'));
  const onDingTalk = transport === 'dingtalk-stream';
  const m = await runMain({ DATABASE_PATH: join(dir, 'bench.db'), FEISHU_TRANSPORT: onDingTalk ? 'webhook' : transport, SANDBOX_CHAT_PLATFORM: onDingTalk ? 'dingtalk' : 'feishu', SANDBOX_DEMO_HISTORY: 'off' });
  const sb = m.sandboxUrl!;
  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    for (;;) {
      const r = await fetch(`${sb}/__control${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, ...(body ? { body: JSON.stringify(body) } : {}) });
      if (r.status === 409) {
        await sleep(5); // a person's edit met the server's write to the table (1254291): again, as a client would
        continue;
      }
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
      return (await r.json()) as T;
    }
  };
  const until = async <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  };
  try {
    const state = await control<{ users: Array<{ open_id: string; name: string }>; chats: Array<{ chat_id: string; name: string }> }>('GET', '/ui/state');
    const user = (name: string) => state.users.find((u) => u.name === name)!.open_id;
    const chat = state.chats.find((c) => c.name === '线索作战群')!.chat_id;
    const bases = await control<Array<{ app_token: string; tables: Array<{ name: string; table_id: string }> }>>('GET', '/bases');
    const app = bases[0]!.app_token;
    const leads = bases[0]!.tables.find((t) => t.name === '线索')!.table_id;
    const rows = async () => (await control<{ records: Array<{ record_id: string; fields: Record<string, unknown> }> }>('GET', `/bases/${app}/tables/${leads}/records`)).records;
    const edit = (id: string, fields: Record<string, unknown>) => control('POST', `/bases/${app}/tables/${leads}/records/${id}/edit`, { operator_open_id: user('张伟'), fields });

    const companies = Array.from({ length: CARDS }, (_, i) => `延迟测试公司${String(i + 1).padStart(3, '0')}`);
    const made: Array<{ record_id: string }> = [];
    for (const [i, company] of companies.entries()) {
      made.push(
        await control<{ record_id: string }>('POST', `/bases/${app}/tables/${leads}/records`, { operator_open_id: user('张伟'), fields: { 公司名称: company, 联系人: '测', 电话: `1330000${String(1000 + i)}`, 需求描述: '设备联网' } }),
      );
    }
    const byId = async (id: string) => (await rows()).find((r) => r.record_id === id)!;
    await until('every row adopted', async () => (await rows()).filter((r) => companies.includes(text(r.fields['公司名称'])) && text(r.fields['线索编号']).startsWith('XS-')).length === CARDS);
    for (const r of made) await edit(r.record_id, { 阶段: 'MQL' });
    await until('every lead at MQL', async () => {
      const all = await Promise.all(made.map((r) => byId(r.record_id)));
      return all.every((x) => text(x.fields['进入阶段次数']) === 'MQL-01');
    });
    for (const r of made) await edit(r.record_id, { 阶段: 'SQL' });
    type Card = { id: string; title: string };
    const approvals = async (): Promise<Card[]> => {
      if (!onDingTalk) return (await control<Array<{ message_id: string; card: { header: { title: { content: string } } } }>>('GET', `/im/cards?chat_id=${chat}`)).map((c) => ({ id: c.message_id, title: c.card.header.title.content }));
      const dt = await control<{ groups: Array<{ openConversationId: string; title: string }> }>('GET', '/dingtalk');
      const cid = dt.groups.find((g) => g.title === '线索作战群')!.openConversationId;
      return (await control<Array<{ outTrackId: string; cardData: { title?: string } }>>('GET', `/dingtalk/cards?conversation=${encodeURIComponent(cid)}`)).map((c) => ({ id: c.outTrackId, title: c.cardData.title ?? '' }));
    };
    const cards = await until('every approval card', async () => {
      const list = (await approvals()).filter((c) => c.title.includes('待审批') && companies.some((co) => c.title.includes(co)));
      return list.length === CARDS && list;
    });
    const dtDirector = onDingTalk ? (await control<{ users: Array<{ userId: string; name: string }> }>('GET', '/dingtalk')).users.find((u) => u.name === '王敏')!.userId : '';

    const rtt: number[] = [];
    const wall: number[] = [];
    let failed = 0;
    for (const c of cards) {
      const t0 = performance.now();
      if (onDingTalk) {
        const r = await control<{ ok: boolean; elapsedMs?: number; response?: { userPrivateData?: { cardParamMap?: { toastType?: string } } } }>('POST', '/dingtalk/cards/click', {
          outTrackId: c.id,
          userId: dtDirector,
          actionId: 'approve_btn',
          params: { op: 'approve', comment: '' },
        });
        wall.push(performance.now() - t0);
        if (r.ok && r.response?.userPrivateData?.cardParamMap?.toastType === 'success' && r.elapsedMs !== undefined) rtt.push(r.elapsedMs);
        else failed++;
        continue;
      }
      const r = await control<{ ok: boolean; elapsed_ms?: number; toast?: { type?: string } }>('POST', '/cards/click', { message_id: c.id, operator_open_id: user('王敏'), name: 'approve', form_value: { comment: '' } });
      wall.push(performance.now() - t0);
      if (r.ok && r.toast?.type === 'success' && r.elapsed_ms !== undefined) rtt.push(r.elapsed_ms);
      else failed++;
    }
    return { rtt, wall, failed };
  } finally {
    await m.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`bench:cards  ${CARDS} approval clicks per transport (sandbox, loopback)`);
console.log('  transport          clicks   callback round trip p50 / p99 / max   click as the control API saw it p50');
for (const transport of ['webhook', 'long-connection', 'dingtalk-stream'] as const) {
  const r = await measure(transport);
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  reportFigure({
    bench: 'cards',
    what: `card click round trip (${transport})`,
    value: `p50 ${ms(pct(r.rtt, 50))} · p99 ${ms(pct(r.rtt, 99))}${r.failed ? ` · ${r.failed} failed` : ''}`,
    target: 'p99 ≤ 3 s',
    met: pct(r.rtt, 99) <= 3000 && !r.failed,
  });
  console.log(
    `  ${transport.padEnd(17)}  ${String(r.rtt.length).padStart(6)}   ${`${ms(pct(r.rtt, 50))} / ${ms(pct(r.rtt, 99))} / ${ms(Math.max(...r.rtt))}`.padStart(35)}   ${ms(pct(r.wall, 50)).padStart(35)}${r.failed ? `   (${r.failed} failed)` : ''}`,
  );
}
console.log("  target: a card answered within Feishu's 3 s (docs/platform/feishu.md#44-card-callbacks), and as quickly on DingTalk (no published deadline); same order of figures every way");
