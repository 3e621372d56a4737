import { missingForLead } from '../domain/guards.js';
import { findStage, findStageByLabel, leadMinimumOf, type Journey } from '../domain/journey.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { factsOf, type LeadTable, type TableRow, textOf } from '../ports/lead-table.js';
import type { TableTemplate } from '../rules/base-template.js';
import { bitableTarget } from '../store/bitable-outbox-repo.js';
import type { Store } from '../store/store.js';
import type { Members } from './lead-cards.js';
import type { LeadEngine } from './lead-engine.js';
import { createStartLead } from './start-lead.js';

/**
 * Rows people typed into the leads table that the server has not seen become leads: each gets its
 * 线索编号 (or keeps the one it has), starts the journey at the stage the row shows (or the first
 * stage), and the server's fields are written back through the outbox. Reads the table in pages of 500.
 * A row without the journey's minimum facts (leadMinimum: a name to call the customer by and a way to
 * reach them) is a draft: a person is still typing it, or left it empty. The server leaves it alone and
 * looks again at its next edit (or the next reconciliation), so a lead is scored and routed on the facts
 * it was typed with, never on an empty row.
 */
export interface AdoptRowsDeps {
  store: Store;
  journey: Journey;
  clock: Clock;
  table: LeadTable;
  leadsTable: TableTemplate;
  log: Logger;
  /** scores a new lead and moves it on when its score says so (absent: adopted as typed) */
  engine?: LeadEngine;
  /** the 销售团队 roster, for the cards a new lead may call for */
  members?: () => Promise<Members>;
}

export interface AdoptResult {
  seen: number;
  adopted: string[];
  /** rows without the minimum facts yet (drafts), left alone */
  drafts: number;
  /** rows left alone, with why (a key already used by another row …) */
  skipped: Array<{ recordId: string; why: string }>;
}

/**
 * One row the server has not seen → a lead (call inside a transaction). A row carrying the 线索编号 of
 * a lead that has no row yet is that lead's row (e.g. the echo of the server's own create): linked.
 */
export function createAdoptRecord(deps: Omit<AdoptRowsDeps, 'table' | 'log' | 'members'>) {
  const startLead = createStartLead(deps);

  const minimum = leadMinimumOf(deps.journey);

  return async function adoptRecord(appToken: string, tableId: string, rec: TableRow, members: Members = new Map()): Promise<{ adopted: string } | { skipped: string } | { draft: string[] } | undefined> {
    const { store } = deps;
    if (await store.leads.getByRecordId(rec.id)) return undefined;
    const typedKey = textOf(rec.cells, '线索编号');
    const owner = typedKey ? await store.leads.getByKey(typedKey) : undefined;
    if (owner?.recordId) return { skipped: `线索编号 ${typedKey} already belongs to row ${owner.recordId}` };
    const ref = { baseToken: appToken, tableId, recordId: rec.id };
    const now = deps.clock.now();
    if (owner) {
      await store.leads.linkRecord(owner.id, ref, now);
      return { adopted: owner.leadKey };
    }
    const facts = factsOf(deps.leadsTable, rec.cells);
    const missing = missingForLead(minimum, facts);
    if (missing.length) return { draft: missing.map((g) => g.label.en) };
    const shown = textOf(rec.cells, '阶段');
    const stage = (shown && findStageByLabel(deps.journey, shown)) || findStage(deps.journey, deps.journey.initial)!;
    const leadKey = typedKey ?? (await store.leads.nextLeadKey());
    const started = await startLead({ leadKey, facts, actor: { id: rec.editedBy ?? 'system:adopt', roles: [] }, stage: stage.id, record: ref });
    if (!started.ok) return { skipped: started.error.message.en };
    await store.tableWrites.enqueueUpdate(
      bitableTarget(appToken, tableId),
      { recordId: rec.id, fields: { 线索编号: leadKey, 进入阶段次数: started.value.label ?? '', ...(shown === stage.label.zh ? {} : { 阶段: stage.label.zh }) } },
      `adopt:${rec.id}`,
      now,
    );
    if (started.value.created) await deps.engine?.onNewLead(started.value.lead, members, now);
    return { adopted: leadKey };
  };
}

export function createAdoptRows(deps: AdoptRowsDeps) {
  const adoptRecord = createAdoptRecord(deps);
  return async function adoptRows(appToken: string, tableId: string): Promise<AdoptResult> {
    const out: AdoptResult = { seen: 0, adopted: [], drafts: 0, skipped: [] };
    const members = (await deps.members?.()) ?? new Map();
    for await (const page of deps.table.scan(tableId)) {
      out.seen += page.length;
      // collected inside, counted after the commit: PostgreSQL may run the transaction again
      const results = await deps.store.transaction(async () => {
        const rs: Array<{ recordId: string; r: Awaited<ReturnType<typeof adoptRecord>> }> = [];
        for (const rec of page) rs.push({ recordId: rec.id, r: await adoptRecord(appToken, tableId, rec, members) });
        return rs;
      });
      for (const { recordId, r } of results) {
        if (r && 'adopted' in r) out.adopted.push(r.adopted);
        else if (r && 'draft' in r) out.drafts++;
        else if (r) out.skipped.push({ recordId, why: r.skipped });
      }
    }
    if (out.adopted.length || out.skipped.length) deps.log.info({ seen: out.seen, adopted: out.adopted.length, drafts: out.drafts, skipped: out.skipped }, 'adopted leads rows');
    return out;
  };
}
