import type { Member } from '../../src/bitable/roster.js';
import { createLeadJourney } from '../../src/compose/lead-journey.js';
import { feishuCardAnswer } from '../../src/feishu/inbound.js';
import { feishuCardUpdate, feishuMessage } from '../../src/im/sender.js';
import { testStore, twinStore } from './test-store.js';
import { fixedTeam } from '../../src/ports/team.js';
import { loadRuleSet } from '../../src/compose/rule-set.js';
import { createManualClock } from '../../src/lib/clock.js';
import { testLogger } from './log-capture.js';
import type { CardClick } from '../../src/usecases/card-actions.js';
import { createTimerSweep } from '../../src/jobs/timer-sweep.js';
import { createNurtureJob } from '../../src/jobs/nurture-job.js';

/**
 * The card use cases on an in-memory store with the default journey and a fixed 销售团队: a lead moved
 * to MQL, its MQL→SQL move held for the marketing director with an approval card "sent" (message id
 * known), and helpers to reach the assignment card. No Feishu here: what would be sent is in the outbox.
 */
export const PEOPLE = {
  王敏: { openId: 'ou_wangmin', roles: ['marketing_director'] },
  张伟: { openId: 'ou_zhangwei', roles: ['sdr'] },
  李雷: { openId: 'ou_lilei', roles: ['sales'], manager: 'ou_chenjing' },
  韩梅梅: { openId: 'ou_hanmeimei', roles: ['sales'], manager: 'ou_chenjing' },
  陈静: { openId: 'ou_chenjing', roles: ['sales_director'] },
  刘洋: { openId: 'ou_liuyang', roles: ['finance'] },
} as const satisfies Record<string, { openId: string; roles: readonly string[]; manager?: string }>;
export type Person = keyof typeof PEOPLE | '外人';
export const openIdOf = (p: Person) => (p === '外人' ? 'ou_stranger' : PEOPLE[p].openId);

export function rosterOf(extra: Member[] = []): Map<string, Member> {
  const m = new Map<string, Member>();
  for (const [name, p] of Object.entries(PEOPLE)) m.set(p.openId, { id: p.openId, name, roles: [...p.roles], managerId: 'manager' in p ? p.manager : undefined, onDuty: true });
  for (const x of extra) m.set(x.id, x);
  return m;
}

export const T0 = Date.UTC(2026, 10, 24, 2, 0);

/** The Base the card world's leads live in (rows created by the intake API go to its leads table). */
export const TEST_LAYOUT = { appToken: 'bascnTest', leadsTableId: 'tblLeads', historyTableId: 'tblHistory', repsTableId: undefined };

/**
 * `dbPath`: an on-disk SQLite file instead of memory, so a second world over the same file (and `at`
 * the first one's time) is the server after a restart.
 */
export async function cardWorld(o: { members?: Map<string, Member>; chatId?: string; dbPath?: string; at?: number } = {}) {
  const ruleSet = loadRuleSet('default');
  const { journey, calendar } = ruleSet;
  const rules = ruleSet.assignment;
  const store = await testStore({ dbPath: o.dbPath });
  const clock = createManualClock(o.at ?? T0);
  const log = testLogger();
  const members = o.members ?? rosterOf();
  // the use cases exactly as the server builds them (compose/lead-journey.ts), on a fixed team
  const lj = await createLeadJourney({ store, rules: ruleSet, clock, log, locale: 'zh-CN', team: fixedTeam(members), chatId: () => o.chatId ?? 'oc_team', historyTableId: () => 'tblHistory', layout: () => TEST_LAYOUT });
  const { cards, offers, scoring, escalate, nurture, ownerQueue, engine, startLead, changeStage, pool, protection, handover } = lj;
  const act = lj.cardActions;
  const nurtureJob = createNurtureJob({ store, nurture, steps: () => ruleSet.nurtureSteps, clock, log, pollMs: 60_000 });
  const sweep = () => createTimerSweep({ store, clock, log, context: async () => members, handlers: lj.timerHandlers });
  let seq = 0;

  /** A lead at MQL whose move to SQL (asked by 张伟) waits for approval; its approval card has message `om_…`. */
  async function pendingLead(facts: Record<string, string> = {}) {
    const n = ++seq;
    const started = await startLead({
      leadKey: `XS-${String(n).padStart(6, '0')}`,
      facts: { company: `测试公司${n}`, phone: '13800138000', need: '设备联网', owner: 'ou_lilei', ...facts },
      actor: { id: 'ou_zhangwei', roles: ['sdr'] },
      record: { baseToken: 'bascnTest', tableId: 'tblLeads', recordId: `rec${n}` },
    });
    if (!started.ok) throw new Error(started.error.code);
    const id = started.value.lead.id;
    const sdr = { id: 'ou_zhangwei', roles: ['sdr'] };
    const mql = await changeStage({ leadId: id, to: 'mql', actor: sdr });
    if (!mql.ok) throw new Error(mql.error.code);
    const held = await changeStage({ leadId: id, to: 'sql', actor: sdr });
    if (!held.ok || held.value.outcome.status !== 'pending_approval' || !held.value.lead.pendingApproval) throw new Error('MQL→SQL should wait for approval');
    const card = (await store.transaction(() => cards.requestApproval(held.value.lead, held.value.lead.pendingApproval!, members, clock.now())))!;
    await store.cards.setMessageId(card.uuid, `om_approval_${n}`, clock.now());
    return { leadId: id, approvalMessage: `om_approval_${n}` };
  }

  /** A click, answered the way Feishu receives it (the callback route's shape: toast i18n, raw JSON 2.0 card). */
  const clickOn =
    (actions: typeof act) =>
    async (messageId: string, who: Person | string, a: { op: string; form?: Record<string, unknown> }): Promise<ReturnType<typeof feishuCardAnswer>> => {
      const c: CardClick = { personId: who in PEOPLE || who === '外人' ? openIdOf(who as Person) : who, messageId, value: a.form ? undefined : { op: a.op }, name: a.form ? a.op : undefined, formValue: a.form };
      return feishuCardAnswer(await actions(c));
    };
  const click = clickOn(act);

  /** Approve as 王敏, then "send" the assignment card: its message id. */
  async function assignedLead(facts: Record<string, string> = {}) {
    const p = await pendingLead(facts);
    const r = await click(p.approvalMessage, '王敏', { op: 'approve', form: {} });
    if (r.toast.type !== 'success') throw new Error(`approval failed: ${r.toast.content}`);
    const card = (await store.cards.openFor(p.leadId, 'assignment'))[0]!;
    const messageId = `om_assign_${p.leadId}`;
    await store.cards.setMessageId(card.uuid, messageId, clock.now());
    return { ...p, assignmentMessage: messageId };
  }

  /**
   * A second server on the same database (several instances behind one callback URL): its own use
   * cases, and on a real PostgreSQL server its own connections. Its `click` answers as that instance.
   */
  async function anotherInstance() {
    const twin = await twinStore(store);
    const other = await createLeadJourney({ store: twin, rules: loadRuleSet('default'), clock, log, locale: 'zh-CN', team: fixedTeam(members), chatId: () => o.chatId ?? 'oc_team', historyTableId: () => 'tblHistory' });
    return {
      click: clickOn(other.cardActions),
      close: async () => (twin === store ? undefined : twin.close()),
    };
  }

  /** Everything a card action can change, to compare before and after a refused click. */
  const snapshot = async () => ({
    leads: await store.sql.all('SELECT * FROM leads ORDER BY id'),
    cards: await store.sql.all('SELECT * FROM cards ORDER BY id'),
    assignments: await store.sql.all('SELECT * FROM assignments ORDER BY id'),
    transitions: await store.sql.all('SELECT * FROM stage_transitions ORDER BY id'),
    outbox: await store.sql.all('SELECT * FROM outbox ORDER BY id'),
    timers: await store.sql.all('SELECT * FROM timers ORDER BY id'),
  });

  /** A lead that just came in (at `stage`, the first by default), scored by the engine like an adopted row. */
  async function newLead(facts: Record<string, string>, o: { stage?: string } = {}) {
    const n = ++seq;
    const started = await startLead({
      leadKey: `XS-${String(n).padStart(6, '0')}`,
      facts,
      actor: { id: 'ou_zhangwei', roles: ['sdr'] },
      ...(o.stage ? { stage: o.stage } : {}),
      record: { baseToken: 'bascnTest', tableId: 'tblLeads', recordId: `rec${n}` },
    });
    if (!started.ok) throw new Error(started.error.code);
    await store.transaction(() => engine.onNewLead(started.value.lead, members, clock.now()));
    return (await store.leads.get(started.value.lead.id))!;
  }

  return {
    journey,
    rules,
    scoringRules: ruleSet.scoring,
    returnReasons: ruleSet.returnReasons,
    calendar,
    escalate,
    sweep,
    ownerQueue,
    nurture,
    nurtureJob,
    setNurtureSteps: (x: typeof ruleSet.nurtureSteps) => (ruleSet.nurtureSteps = x),
    nurtureSteps: () => ruleSet.nurtureSteps,
    pool,
    protection,
    handover,
    /** the 公海规则 in force (edit in place or replace) */
    ruleSet,
    store,
    clock,
    members,
    cards,
    offers,
    act,
    scoring,
    engine,
    startLead,
    pendingLead,
    assignedLead,
    newLead,
    click,
    anotherInstance,
    snapshot,
    lj,
    sweepNow: async () => {
      await sweep().kick();
    },
  };
}

export type CardWorld = Awaited<ReturnType<typeof cardWorld>>;

/** What a lead's row was last told, field by field (the outbox's Bitable updates merged in order). */
export async function rowFields(w: CardWorld, leadId: number): Promise<Record<string, unknown>> {
  const recordId = (await w.store.leads.get(leadId))!.recordId;
  const out: Record<string, unknown> = {};
  for (const r of (await w.store.sql.all("SELECT payload_json FROM outbox WHERE kind = 'bitable.update' ORDER BY id")) as Array<{ payload_json: string }>) {
    const p = JSON.parse(r.payload_json) as { recordId: string; fields: Record<string, unknown> };
    if (p.recordId === recordId) Object.assign(out, p.fields);
  }
  return out;
}

/** An outbox row's payload as Feishu receives it: cards rendered to JSON 2.0, notices as text with their <at>. */
export function asSent(kind: string, payloadJson: string): any {
  const p = JSON.parse(payloadJson);
  return kind === 'im.patch' ? feishuCardUpdate(p) : kind === 'im.send' ? feishuMessage(p) : p;
}

/** The text messages (@-mentions) queued for the group, oldest first. */
export async function queuedTexts(w: CardWorld): Promise<string[]> {
  return ((await w.store.sql.all("SELECT payload_json FROM outbox WHERE kind = 'im.send' ORDER BY id")) as Array<{ payload_json: string }>)
    .map((r) => asSent('im.send', r.payload_json) as { msgType: string; content: { text?: string } })
    .filter((m) => m.msgType === 'text')
    .map((m) => m.content.text!);
}
