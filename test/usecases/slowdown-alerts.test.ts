import { describe, expect, it } from 'vitest';
import { testLogger } from '../support/log-capture.js';
import type { ChatSendPayload, SlowdownCardState } from '../../src/ports/chat.js';
import { loadBaseTemplate } from '../../src/rules/base-template.js';
import { loadMetricsConfig, type MetricsConfig } from '../../src/rules/metrics-config.js';
import { createSlowdownAlerts } from '../../src/usecases/slowdown-alerts.js';
import { cardWorld, type CardWorld, T0 } from '../support/card-world.js';

/**
 * 推进变慢 over a store the use cases filled: five leads leave 线索 after one day each (线索's usual time is
 * one day, the 75th percentile of five ended stays), while X, owned by 李雷, stays. X gets one card @ 李雷
 * once it is past a day, however many passes run; W, slow for days before the first pass, gets none.
 */
const DAY = 86_400_000;
const base = loadMetricsConfig(loadBaseTemplate());

describe('slow-down alerts', () => {
  let w: CardWorld;
  let config: MetricsConfig = base;
  let x: number;
  const alerts = () => createSlowdownAlerts({ store: w.store, journey: w.journey, config: () => config, cards: w.cards, log: testLogger() });
  const cards = async () =>
    (await w.store.sql.all<{ target: string; payload_json: string }>("SELECT target, payload_json FROM outbox WHERE kind = 'im.send' ORDER BY id"))
      .map((r) => ({ target: r.target, payload: JSON.parse(r.payload_json) as ChatSendPayload }))
      .filter((m) => m.payload.card?.card.kind === 'slowdown');
  async function start(key: string, company: string) {
    const r = await w.startLead({
      leadKey: key,
      facts: { company, phone: '13800138000', need: '设备联网', source: '官网咨询', owner: 'ou_lilei' },
      actor: { id: 'ou_zhangwei', roles: ['sdr'] },
      record: { baseToken: 'bascnTest', tableId: 'tblLeads', recordId: `rec${key}` },
    });
    if (!r.ok) throw new Error(r.error.code);
    return r.value.lead.id;
  }

  it('one card @ the owner when a lead passes its stage’s usual time, once per stay', async () => {
    w = await cardWorld({ at: T0 - 3 * DAY });
    await start('XS-200000', '慢吞吞科技'); // W: in 线索 since three days before T0
    w.clock.set(T0);
    const quick = [];
    for (let i = 1; i <= 5; i++) quick.push(await start(`XS-20000${i}`, `快公司${i}`));
    x = await start('XS-200009', '西湖仪器');
    w.clock.set(T0 + DAY);
    for (const id of quick) {
      const r = await w.lj.changeStage({ leadId: id, to: 'mql', actor: { id: 'ou_zhangwei', roles: ['sdr'] } });
      expect(r.ok && r.value.outcome.status).toBe('applied');
    }
    // at one day, X is not past the usual day yet
    expect(await alerts().run(w.members, new Date(T0 + DAY))).toBe(0);
    // a day and a half: X is slow; W has been slow for two and a half days, before any pass saw it
    expect(await alerts().run(w.members, new Date(T0 + 1.5 * DAY))).toBe(1);
    expect(await alerts().run(w.members, new Date(T0 + 1.6 * DAY))).toBe(0);
    const [m, ...more] = await cards();
    expect(more).toEqual([]);
    expect(m!.target).toBe('oc_team');
    const state = m!.payload.card!.card.state as SlowdownCardState;
    expect(state).toMatchObject({ owner: 'ou_lilei', stage: { zh: '线索', en: 'Lead' }, enteredAt: new Date(T0).toISOString(), days: 1.5, usualDays: 1, percentile: 75, sample: 5 });
    expect(state.lead.key).toBe('XS-200009');
    expect(m!.payload.card!.names.ou_lilei).toBe('李雷');
  });

  it('a lead that moved on before its card: none; turned off in metrics.json: none', async () => {
    const y = await start('XS-200010', '东湖光电');
    await w.lj.changeStage({ leadId: x, to: 'mql', actor: { id: 'ou_zhangwei', roles: ['sdr'] } });
    config = { ...base, slowdownAlerts: false };
    expect(await alerts().run(w.members, new Date(T0 + 2.7 * DAY + DAY))).toBe(0);
    config = base;
    // Y came in at T0 + 1 day (the clock stood there): slow from T0 + 2 days on
    expect(await alerts().run(w.members, new Date(T0 + 2.7 * DAY))).toBe(1);
    expect((await cards()).map((c) => (c.payload.card!.card.state as SlowdownCardState).lead.key)).toEqual(['XS-200009', 'XS-200010']);
    expect(y).toBeGreaterThan(x);
  });
});
