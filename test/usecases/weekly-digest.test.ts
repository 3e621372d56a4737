import { describe, expect, it } from 'vitest';
import type { ChatSendPayload, DigestCardState } from '../../src/ports/chat.js';
import { testLogger } from '../support/log-capture.js';
import { loadBaseTemplate } from '../../src/rules/base-template.js';
import { loadMetricsConfig, type MetricsConfig } from '../../src/rules/metrics-config.js';
import { createWeeklyDigest, DIGEST_CURSOR } from '../../src/usecases/weekly-digest.js';
import { cardWorld, type CardWorld } from '../support/card-world.js';
import { fillJourneys } from '../support/report-world.js';

/**
 * 线索周报 over a store the use cases filled (test/support/report-world.ts: four leads from Tuesday 24
 * November 2026 on): when it is due, what it says, once per week, and what a new install, a server that
 * was down, or a missing chat does.
 */
const bj = (s: string) => new Date(`${s}+08:00`);
const base = loadMetricsConfig(loadBaseTemplate());

describe('the weekly digest use case', () => {
  let w: CardWorld;
  let config: MetricsConfig = base;
  let chatId: string | undefined = 'oc_management';
  const log = testLogger();
  const digest = () => createWeeklyDigest({ store: w.store, journey: w.journey, config: () => config, calendar: w.calendar, cards: w.cards, chatId: () => chatId, log });
  const digestMessages = async () =>
    (await w.store.sql.all<{ target: string; payload_json: string }>("SELECT target, payload_json FROM outbox WHERE kind = 'im.send' ORDER BY id"))
      .map((r) => ({ target: r.target, payload: JSON.parse(r.payload_json) as ChatSendPayload }))
      .filter((m) => m.payload.card?.card.kind === 'digest');
  const cursor = () => w.store.cursors.get(DIGEST_CURSOR);

  it('a new install starts from now: last week’s digest, a day late, is not sent', async () => {
    w = await cardWorld();
    await fillJourneys(w);
    // Tuesday 24 November 10:00: Monday the 23rd's 09:00 passed 25 hours ago
    expect(await digest().run(w.members, bj('2026-11-24T10:00:00'))).toBe(0);
    expect(await cursor()).toBe(bj('2026-11-23T00:00:00').getTime());
    expect(await digestMessages()).toEqual([]);
  });

  it('Monday 09:00: the week before, to the management chat, once', async () => {
    expect(await digest().run(w.members, bj('2026-11-30T08:59:59'))).toBe(0);
    expect(await digest().run(w.members, bj('2026-11-30T09:00:00'))).toBe(1);
    expect(await digest().run(w.members, bj('2026-11-30T09:00:02'))).toBe(0);
    const [m, ...more] = await digestMessages();
    expect(more).toEqual([]);
    expect(m!.target).toBe('oc_management');
    expect(m!.payload.chatId).toBe('oc_management');
    const state = m!.payload.card!.card.state as DigestCardState;
    expect(state.from).toBe(bj('2026-11-23T00:00:00').toISOString());
    expect(state.to).toBe(bj('2026-11-30T00:00:00').toISOString());
    // all four leads came in on the 24th; what they reached by Sunday the 29th (report-world.ts's steps)
    expect(state).toEqual(await digest().build(bj('2026-11-23T00:00:00')));
    expect(state.stages[0]).toEqual({ label: { zh: '线索', en: 'Lead' }, thisWeek: 4, lastWeek: 0 });
    expect(state.trend).toHaveLength(base.digest.trendWeeks);
    expect(m!.payload.card!.locale).toBe('zh-CN');
  });

  it('a second instance that missed the cursor queues the same message id: still one message', async () => {
    await w.store.cursors.set(DIGEST_CURSOR, bj('2026-11-23T00:00:00').getTime(), bj('2026-11-30T09:00:00'));
    expect(await digest().run(w.members, bj('2026-11-30T09:00:03'))).toBe(1);
    expect(await digestMessages()).toHaveLength(1);
  });

  it('a server down on Monday sends it until Tuesday 09:00, not after', async () => {
    // Monday 7 December was missed; Tuesday 08:59 is within the day
    expect(await digest().run(w.members, bj('2026-12-08T08:59:00'))).toBe(1);
    // Monday 14 December was missed for more than a day
    expect(await digest().run(w.members, bj('2026-12-15T09:00:01'))).toBe(0);
    expect(await cursor()).toBe(bj('2026-12-14T00:00:00').getTime());
    expect(await digestMessages()).toHaveLength(2);
  });

  it('no management chat, or the digest turned off: nothing is queued and the week stays due', async () => {
    chatId = undefined;
    expect(await digest().run(w.members, bj('2026-12-21T09:00:00'))).toBe(0);
    chatId = 'oc_management';
    config = { ...base, digest: { ...base.digest, enabled: false } };
    expect(await digest().run(w.members, bj('2026-12-21T09:00:00'))).toBe(0);
    expect(await cursor()).toBe(bj('2026-12-14T00:00:00').getTime());
    config = base;
    expect(await digest().run(w.members, bj('2026-12-21T09:00:00'))).toBe(1);
  });
});
