import { createLeadJourney } from '../../src/compose/lead-journey.js';
import { loadRuleSet } from '../../src/compose/rule-set.js';
import { createManualClock } from '../../src/lib/clock.js';
import { testLogger } from './log-capture.js';
import type { Cell } from '../../src/ports/lead-table.js';
import { createMemoryLeadTable } from '../../src/ports/memory-lead-table.js';
import { fixedTeam } from '../../src/ports/team.js';
import { templateTable } from '../../src/rules/base-template.js';
import { testStore } from './test-store.js';
import { createHandleRecordChange } from '../../src/usecases/handle-record-change.js';
import { createReconcile } from '../../src/usecases/reconcile.js';
import { asSent, openIdOf, type Person, rosterOf, T0 } from './card-world.js';

/**
 * The record-change use case on the in-memory lead table: people type and edit rows, the change event
 * is handed to the use case as the inbound queue would, and `flush()` lands what it queued, as the
 * writer would. No HTTP: a whole stage-enforcement scenario takes milliseconds.
 */
export async function tableWorld() {
  const rules = loadRuleSet('default');
  const store = await testStore();
  const clock = createManualClock(T0);
  const log = testLogger();
  const team = fixedTeam(rosterOf());
  const mem = createMemoryLeadTable({ store, clock });
  const lj = await createLeadJourney({ store, rules, clock, log, locale: 'zh-CN', team, chatId: () => 'oc_team', historyTableId: () => mem.layout.historyTableId });
  const leadsTable = templateTable(rules.template, 'leads');
  const handle = createHandleRecordChange({ store, journey: rules.journey, clock, table: mem.table, team, leadsTable, log, cards: lj.cards, offers: lj.offers, engine: lj.engine });
  const reconcile = createReconcile({ store, table: mem.table, clock, log, handle, overlapMs: 0 });
  const leads = mem.layout.leadsTableId;
  const as = (p: Person) => openIdOf(p);

  return {
    store,
    clock,
    mem,
    handle,
    reconcile,
    leads,
    history: mem.layout.historyTableId!,
    /** a person types a new row; the server adopts it and its writes land. The row id. */
    async type(cells: Record<string, Cell>, by: Person = '张伟') {
      clock.advance(1000);
      const { id, change } = mem.type(leads, cells, as(by));
      await handle(change);
      await mem.flush();
      return id;
    },
    /** a person edits a row; the server answers; its writes land (unless `flush: false`). */
    async edit(id: string, cells: Record<string, Cell>, by: Person, o: { flush?: boolean } = {}) {
      clock.advance(1000);
      const sum = await handle(mem.edit(leads, id, cells, as(by)));
      if (o.flush !== false) await mem.flush();
      return sum;
    },
    row: (id: string) => mem.row(leads, id)!.cells,
    lead: async (id: string) => (await store.leads.getByRecordId(id))!,
    /** the @-mention texts queued for the group */
    mentions: async () =>
      ((await store.sql.all("SELECT payload_json FROM outbox WHERE kind = 'im.send' ORDER BY id")) as Array<{ payload_json: string }>)
        .map((r) => asSent('im.send', r.payload_json) as { msgType: string; content: { text?: string } })
        .filter((m) => m.msgType === 'text')
        .map((m) => m.content.text!),
  };
}
