import { describe, expect, it } from 'vitest';
import type { RunningMain } from '../support/run-main.js';
import { cellText as text, type sandboxHarness, sandboxForFile } from '../support/sandbox-main.js';

/**
 * `npm start` (sandbox, lead group on DingTalk) while DingTalk's Stream gateway refuses handshakes for
 * 30 s (docs/platform/dingtalk.md §5): the server's own reconnect waits longer after each refusal (1 s
 * doubling, at most 10 s in the sandbox, jittered), so the attempts are counted in single figures where
 * the published client would make thousands; once the gateway takes them again the server is back and
 * a click on a card works.
 */
interface DtState {
  users: Array<{ userId: string; name: string }>;
  groups: Array<{ openConversationId: string; title: string }>;
  connections: Array<{ id: string }>;
  stats: { handshakes: number; handshakeRefusals: number };
}

describe('DingTalk Stream refused for 30 s', () => {
  let h: Awaited<ReturnType<typeof sandboxHarness>>;
  let m: RunningMain;
  sandboxForFile((run) => ({ h, m } = run), { SANDBOX_CHAT_PLATFORM: 'dingtalk' });
  const state = () => h.control<DtState>('GET', '/dingtalk');

  it('bounded attempts while refused, then connected again; a card click goes through', async () => {
    const dt = await h.until('connected', async () => {
      const s = await state();
      return s.connections.length === 1 && s;
    });
    const group = dt.groups.find((g) => g.title === '线索作战群')!.openConversationId;
    // an approval card to click once the connection is back
    const r = await h.byCompany('南方医疗器械集团');
    await h.edit(r.record_id, '张伟', { 需求描述: '设备联网改造', 阶段: 'MQL' });
    await h.until('MQL', async () => text((await h.byCompany('南方医疗器械集团')).fields['进入阶段次数']) === 'MQL-01');
    await h.edit(r.record_id, '张伟', { 阶段: 'SQL' });
    const card = await h.until('approval card', async () =>
      (await h.control<Array<{ outTrackId: string; cardData: Record<string, string> }>>('GET', `/dingtalk/cards?conversation=${encodeURIComponent(group)}`)).find((c) => c.cardData.title?.includes('待审批')),
    );

    const before = dt.stats;
    const logged = m.logs.length;
    await h.control('POST', '/dingtalk/settings', { refuse_handshake: true });
    expect(await h.control('POST', '/dingtalk/drop', {})).toEqual({ dropped: 1 });
    await new Promise((res) => setTimeout(res, 30_000));
    const during = (await state()).stats;
    await h.control('POST', '/dingtalk/settings', { refuse_handshake: false });
    const refused = during.handshakeRefusals - before.handshakeRefusals;
    // waits of 0.5–1, 1–2, 2–4, 4–8, then 5–10 s: 6 to 9 attempts in 30 s
    expect(refused).toBeGreaterThanOrEqual(5);
    expect(refused).toBeLessThanOrEqual(10);
    expect(during.handshakes).toBe(before.handshakes);
    const waits = m.logs
      .slice(logged)
      .filter((l) => String(l.msg).startsWith('DingTalk Stream connection failed'))
      .map((l) => l.retryInMs as number);
    expect(waits.length).toBe(refused);
    waits.forEach((w, i) => {
      expect(w).toBeGreaterThanOrEqual(Math.min(10_000, 1000 * 2 ** i) / 2);
      expect(w).toBeLessThanOrEqual(Math.min(10_000, 1000 * 2 ** i));
    });

    await h.until('connected again', async () => (await state()).connections.length === 1, 15_000);
    const wang = dt.users.find((u) => u.name === '王敏')!.userId;
    const click = await h.control<{ ok: boolean; response?: { userPrivateData?: { cardParamMap: Record<string, string> } } }>('POST', '/dingtalk/cards/click', {
      outTrackId: card.outTrackId,
      userId: wang,
      actionId: 'approve_btn',
      params: { op: 'approve', comment: '' },
    });
    expect(click.response?.userPrivateData?.cardParamMap.toastType).toBe('success');
    await h.until('SQL', async () => (await h.byCompany('南方医疗器械集团')).fields['阶段'] === 'SQL');
  }, 120_000);
});
