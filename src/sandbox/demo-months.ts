import { bitableCellEncoder } from '../bitable/field-map.js';
import { findStage, type Journey } from '../domain/journey.js';
import type { BaseTemplate } from '../rules/base-template.js';
import { entryLabel } from '../domain/transitions.js';
import { bitableTarget } from '../store/bitable-outbox-repo.js';
import type { Store } from '../store/store.js';
import { stageHistoryRow } from '../usecases/journey-notes.js';
import type { DemoDirectory } from './demo-directory.js';
import { demoHistory } from './demo-history.js';
import { getBitable } from './feishu/bitable/module.js';
import type { EmuKernel } from './feishu/kernel/kernel.js';
import { storeDemoHistory } from './store-demo-history.js';

const DAY = 86_400_000;
/** How many made-up leads, over how many days before the sandbox's start (about a dozen a week). */
export const DEMO_MONTHS = { leads: 295, days: 182, seed: 2026 };

/**
 * The demo company's last six months, so the report, the weekly digest and the slow-down alerts have
 * something to show on the first start (SANDBOX_DEMO_HISTORY=on): made-up leads (demo-history.ts) that
 * came in and moved on before now, as rows of 线索 and 阶段历史 in the Base and as history in the
 * server's store, as if the server had been there all along. The rows are written as the app (Feishu
 * sends no events for an app's own writes), so nothing is adopted twice. Only for the default journey,
 * and only into an empty store. Returns how many leads it made.
 */
export async function seedDemoMonths(k: EmuKernel, demo: DemoDirectory, appToken: string, s: { store: Store; journey: Journey; template: BaseTemplate }): Promise<number> {
  if (s.journey.id !== 'default' || (await s.store.leads.count()) > 0) return 0;
  const svc = getBitable(k);
  const base = svc.state.base(appToken);
  const tableOf = (name: string) => [...base.tables.values()].find((t) => t.name === name)?.table_id;
  const leadsTable = tableOf('线索');
  const historyTable = tableOf('阶段历史');
  if (!leadsTable) return 0;
  const now = k.clock.now();
  const leads = demoHistory({
    seed: DEMO_MONTHS.seed,
    count: DEMO_MONTHS.leads,
    from: new Date(now - DEMO_MONTHS.days * DAY),
    to: new Date(now - 2 * 3_600_000),
    reps: [demo.users.repLi.open_id, demo.users.repHan.open_id],
    sdr: demo.users.sdr.open_id,
  });
  const encode = bitableCellEncoder(s.template);
  const label = (id: string) => findStage(s.journey, id)?.label.zh ?? id;
  const keys = await s.store.transaction(async () => {
    const out: string[] = [];
    for (let i = 0; i < leads.length; i++) out.push(await s.store.leads.nextLeadKey());
    return out;
  });
  // the cells the server owns, as it would have written them (its 线索编号 and the last entry's label)
  const serverCells = leads.map((l, i) => {
    const last = l.transitions.at(-1)!;
    return { 线索编号: keys[i]!, 进入阶段次数: entryLabel(s.journey, last.to, last.entry) };
  });
  const asApp = { operator: svc.appOperator(demo.app.app_id), consistencyCheck: false };
  const rows = await svc.createRecords(
    appToken,
    leadsTable,
    leads.map((l, i) => {
      return {
        fields: encode({
          ...serverCells[i],
          公司名称: l.facts.company,
          联系人: l.facts.contact_name,
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
  await storeDemoHistory(s.store, s.journey.id, leads, { keyOf: (i) => keys[i]!, rowOf: (i) => ({ baseToken: appToken, tableId: leadsTable, recordId: rows[i]!.record_id }) });
  // In the story the server wrote each row's 线索编号 and 进入阶段次数: say so, or the first time it reads
  // a row (an echo of a later write, the first reconciliation pass) it takes them for a person's edit of
  // server-owned cells and "restores" them to what it wrote — nothing — emptying them.
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
