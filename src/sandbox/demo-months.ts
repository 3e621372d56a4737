import { bitableCellEncoder } from '../bitable/field-map.js';
import { findStage, type Journey } from '../domain/journey.js';
import type { BaseTemplate } from '../rules/base-template.js';
import { entryLabel } from '../domain/transitions.js';
import { bitableTarget } from '../store/bitable-outbox-repo.js';
import type { Store } from '../store/store.js';
import type { Scoring } from '../usecases/score-lead.js';
import type { ReturnReason } from '../rules/return-reasons.js';
import { stageHistoryRow } from '../usecases/journey-notes.js';
import type { DemoDirectory } from './demo-directory.js';
import { type DemoLead, demoHistory } from './demo-history.js';
import { getBitable } from './feishu/bitable/module.js';
import type { EmuKernel } from './feishu/kernel/kernel.js';
import { storeDemoHistory } from './store-demo-history.js';

const DAY = 86_400_000;
/** How many made-up leads, over how many days before the sandbox's start (about a dozen a week). */
export const DEMO_MONTHS = { leads: 295, days: 182, seed: 2026 };

/**
 * The demo company's last six months, so the report, the weekly digest and the slow-down alerts have
 * something to show on the first start (SANDBOX_DEMO_HISTORY=on): made-up leads (demo-history.ts) that
 * came in, did things (活动记录) and moved on before now, as rows of 线索, 活动记录 and 阶段历史 in the
 * Base and as history in the server's store, as if the server had been there all along: each lead scored
 * by the real scoring at the time it came in, at each activity and at each return (its 扣分), so its 线索评分 and 评分依据 are
 * what the server would show (the silence decay since is the start's first decay pass). The rows are
 * written as the app (Feishu sends no events for an app's own writes), so nothing is adopted twice.
 * Only for the default journey, and only into an empty store. Returns how many leads it made.
 */
export async function seedDemoMonths(k: EmuKernel, demo: DemoDirectory, appToken: string, s: { store: Store; journey: Journey; template: BaseTemplate; scoring: Scoring; returnReasons: readonly ReturnReason[] }): Promise<number> {
  if (s.journey.id !== 'default' || (await s.store.leads.count()) > 0) return 0;
  const svc = getBitable(k);
  const base = svc.state.base(appToken);
  const tableOf = (name: string) => [...base.tables.values()].find((t) => t.name === name)?.table_id;
  const leadsTable = tableOf('线索');
  const historyTable = tableOf('阶段历史');
  const activitiesTable = tableOf('活动记录');
  if (!leadsTable) return 0;
  const now = k.clock.now();
  const leads = demoHistory({
    seed: DEMO_MONTHS.seed,
    count: DEMO_MONTHS.leads,
    from: new Date(now - DEMO_MONTHS.days * DAY),
    to: new Date(now - 2 * 3_600_000),
    reps: [demo.users.repLi.open_id, demo.users.repHan.open_id],
    // 孙悦 works the north, 张伟 the rest (as in 销售团队)
    sdr: (region) => (['华北', '东北', '西北'].includes(region) ? demo.users.sdrNorth : demo.users.sdr).open_id,
    activities: true,
  });
  const encode = bitableCellEncoder(s.template);
  const label = (id: string) => findStage(s.journey, id)?.label.zh ?? id;
  const keys = await s.store.transaction(async () => {
    const out: string[] = [];
    for (let i = 0; i < leads.length; i++) out.push(await s.store.leads.nextLeadKey());
    return out;
  });
  const asApp = { operator: svc.appOperator(demo.app.app_id), consistencyCheck: false };
  // 活动记录 first: the server keys an activity by its row (bitable:<record_id>), as for a row typed there
  const activityKeys = leads.map((l, i) => l.activities.map((_, n) => `demo:${keys[i]}:${n}`));
  if (activitiesTable) {
    const all = leads.flatMap((l, i) => l.activities.map((a, n) => ({ i, n, a })));
    for (let j = 0; j < all.length; j += 500) {
      const part = all.slice(j, j + 500);
      const made = await svc.createRecords(
        appToken,
        activitiesTable,
        part.map(({ i, a }) => ({ fields: { 说明: a.detail, 线索编号: keys[i], 活动类型: a.type, 发生时间: a.at.getTime() } })),
        asApp,
      );
      for (const [m, { i, n }] of part.entries()) activityKeys[i]![n] = `bitable:${made[m]!.record_id}`;
    }
  }
  const ids = await storeDemoHistory(s.store, s.journey.id, leads, { keyOf: (i) => keys[i]! });
  // scored as they happened (no row yet: nothing is queued for the table; the cells go into the rows below)
  const scoreCells = await scoreAsItHappened(s, leads, ids, (i) => ({ lead: keys[i]!, activities: activityKeys[i]! }));
  // the cells the server owns, as it would have written them (its 线索编号, the last entry's label, the score)
  const serverCells = leads.map((l, i) => {
    const last = l.transitions.at(-1)!;
    return { 线索编号: keys[i]!, 进入阶段次数: entryLabel(s.journey, last.to, last.entry), ...scoreCells[i] };
  });
  const rows = await svc.createRecords(
    appToken,
    leadsTable,
    leads.map((l, i) => {
      return {
        fields: encode({
          ...serverCells[i],
          公司名称: l.facts.company,
          联系人: l.facts.contact_name,
          职位: l.facts.title,
          电话: l.facts.phone,
          需求描述: l.facts.need,
          来源渠道: l.facts.source,
          行业: l.facts.industry,
          公司规模: l.facts.size,
          地区: l.facts.region,
          阶段: label(l.stage),
          ...(l.owner ? { 跟进人: l.owner } : {}),
        }),
      };
    }),
    asApp,
  );
  await s.store.transaction(async () => {
    for (const [i, id] of ids.entries()) await s.store.leads.linkRecord(id, { baseToken: appToken, tableId: leadsTable, recordId: rows[i]!.record_id }, (await s.store.leads.get(id))!.updatedAt);
  });
  // In the story the server wrote each row's 线索编号, 进入阶段次数 and score cells: say so, or the first
  // time it reads a row (an echo of a later write, the first reconciliation pass) it takes them for a
  // person's edit of server-owned cells and "restores" them to what it wrote — nothing — emptying them.
  await s.store.tableWrites.recordWrittenMany(
    bitableTarget(appToken, leadsTable),
    serverCells.map((fields, i) => ({ recordId: rows[i]!.record_id, fields })),
    new Date(now),
  );
  if (historyTable) {
    const entries = leads.flatMap((l, i) =>
      l.transitions.map((t) => {
        const row = stageHistoryRow({
          leadKey: keys[i]!,
          from: t.from ? label(t.from) : '',
          to: label(t.to),
          label: entryLabel(s.journey, t.to, t.entry),
          at: t.at,
          actorId: t.actor.startsWith('ou_') ? t.actor : undefined,
          reason: t.reason,
        });
        // person cells as the API takes them, by the writer's own encoder
        return { fields: encode(row) };
      }),
    );
    for (let i = 0; i < entries.length; i += 500) await svc.createRecords(appToken, historyTable, entries.slice(i, i + 500), asApp);
  }
  return leads.length;
}

/**
 * Each made-up lead scored by the server's own scoring as its story went: the profile when it came in,
 * then in time order its activities (stored as the server stores a row of 活动记录) and the returns that
 * cost it 退回原因's 扣分 (as apply-return takes them). Returns each lead's score cells.
 */
async function scoreAsItHappened(
  s: { store: Store; scoring: Scoring; returnReasons: readonly ReturnReason[] },
  leads: readonly DemoLead[],
  ids: readonly number[],
  keysOf: (i: number) => { lead: string; activities: readonly string[] },
): Promise<Array<Record<string, unknown>>> {
  const cells: Array<Record<string, unknown>> = [];
  for (let start = 0; start < leads.length; start += 100) {
    const part = await s.store.transaction(async () => {
      const out: Array<Record<string, unknown>> = [];
      for (let i = start; i < Math.min(leads.length, start + 100); i++) {
        const l = leads[i]!;
        const id = ids[i]!;
        const keys = keysOf(i);
        await s.scoring.rescore((await s.store.leads.get(id))!, l.createdAt);
        const events = [
          ...l.activities.map((a, n) => ({ at: a.at, activity: a, key: keys.activities[n]! })),
          ...l.assignments.flatMap((a, n) => {
            const reason = a.returnedAt && s.returnReasons.find((r) => r.option === a.returnReason);
            return reason ? [{ at: a.returnedAt!, reason, key: `return:demo:${keys.lead}:${n}` }] : [];
          }),
        ].sort((x, y) => x.at.getTime() - y.at.getTime());
        for (const e of events) {
          const lead = (await s.store.leads.get(id))!;
          if ('reason' in e) {
            await s.scoring.penalize(lead, e.reason.penalty, `return:${e.reason.option}`, `退回：${e.reason.option}`, e.key, e.at);
            continue;
          }
          const a = e.activity;
          if (!(await s.store.activities.add({ leadId: id, type: a.type, at: a.at, key: e.key, detail: a.detail, now: a.at }))) continue;
          await s.scoring.scoreActivity(lead, { type: a.type, at: a.at, key: e.key, detail: a.detail }, a.at);
        }
        out.push((await s.scoring.cells(id)).fields);
      }
      return out;
    });
    cells.push(...part);
  }
  return cells;
}
