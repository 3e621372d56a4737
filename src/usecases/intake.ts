import { e164, emailKey } from '../domain/contact-keys.js';
import { decideDuplicate, fillEmpty, type MatchedBy } from '../domain/dedupe.js';
import { findStage, type Journey } from '../domain/journey.js';
import type { LeadFacts } from '../domain/lead-facts.js';
import { companyKey } from '../domain/routing.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { TableLayout } from '../ports/lead-table.js';
import type { TableTemplate } from '../rules/base-template.js';
import { bitableTarget } from '../store/bitable-outbox-repo.js';
import { createGroupCommit } from '../store/group-commit.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';
import type { Timer } from '../store/timers-repo.js';
import { journeyNote } from './journey-notes.js';
import type { Members } from './lead-cards.js';
import type { LeadEngine } from './lead-engine.js';
import { writeLeadRow } from './lead-row.js';
import { createStartLead } from './start-lead.js';

/**
 * Leads that arrive from outside the Base (a web form through POST /api/leads; imports later): each
 * submission becomes a lead, or, when it is a lead we already have (domain/dedupe.ts), an activity of
 * that lead that fills what it lacks. Accepting is quick and touches only the database (the lead, its
 * row queued for the Bitable, the answer kept under the sender's Idempotency-Key, in one transaction);
 * submissions arriving together share one commit; scoring and routing follow at once on a durable timer (`intake.new` / `intake.merge`), which has the
 * team's roster to hand, so nothing is lost if the server stops in between.
 */
export const INTAKE_NEW = 'intake.new';
export const INTAKE_MERGE = 'intake.merge';

export interface Submission {
  /** the lead's facts by fact name (company, contact_name, phone …), already validated */
  facts: LeadFacts;
  /** what the person did (申请演示 …), recorded as an activity of the lead */
  activity?: { type: string; at: Date } | undefined;
}

export interface IntakeRequest {
  source: { id: string; name: string };
  submission: Submission;
  /** the sender's Idempotency-Key (or webhook-id): the same key again gets the same answer */
  idempotencyKey?: string | undefined;
  /** a hash of what was sent: the same key with another body is refused */
  bodyHash: string;
}

export type IntakeOutcome = 'created' | 'merged' | 'flagged';

export type IntakeAnswer = { ok: true; leadKey: string; outcome: IntakeOutcome; replayed: boolean } | { ok: false; code: 'idempotency_conflict' | 'not_ready'; message: { zh: string; en: string } };

interface TimerPayload {
  activity?: { type: string; at: number; key: string };
  factsChanged?: boolean;
}

const DUPLICATE_FLAG = '重复待确认';
const NOT_READY: IntakeAnswer = { ok: false, code: 'not_ready', message: { zh: '服务正在启动，尚未连接多维表格，请稍后重试', en: 'Starting up: the Base is not connected yet; try again shortly' } };
const DRY_RUN = Symbol('dry run');
/** how long an Idempotency-Key is honoured (answers older than this are forgotten, checked hourly) */
export const IDEMPOTENCY_DAYS = 7;
const byLabel: Record<MatchedBy, string> = { phone: '电话', email: '邮箱', company_contact: '公司+联系人' };

export function createIntake(deps: { store: Store; journey: Journey; clock: Clock; leadsTable: TableTemplate; layout: () => TableLayout | undefined; engine: LeadEngine; log: Logger }) {
  const { store, journey } = deps;
  const startLead = createStartLead(deps);
  const fieldOf = new Map(deps.leadsTable.fields.filter((f) => f.fact).map((f) => [f.fact!, f.field_name]));
  const rowFields = (facts: LeadFacts) => Object.fromEntries(Object.entries(facts).flatMap(([k, v]) => (fieldOf.has(k) ? [[fieldOf.get(k)!, v]] : [])));

  async function candidates(facts: LeadFacts): Promise<Array<{ lead: LeadRow; by: MatchedBy[] }>> {
    const found = await store.leads.byContact({ phone: e164(facts.phone), email: emailKey(facts.email) });
    if (found.length) return found;
    const company = companyKey(facts.company);
    if (!company || typeof facts.contact_name !== 'string' || !facts.contact_name.trim()) return [];
    return (await store.leads.byCompanyContact(company, facts.contact_name)).map((lead) => ({ lead, by: ['company_contact'] }));
  }

  // submissions arriving together are accepted in one transaction (one fsync), each answered after it commits
  const commit = createGroupCommit(store);
  let forgotAt = 0;
  /** Accept one submission (its own transaction). */
  async function accept(req: IntakeRequest): Promise<IntakeAnswer> {
    const at = deps.clock.now().getTime();
    if (at - forgotAt > 3_600_000) {
      forgotAt = at;
      await store.intake.forgetAnswers(new Date(at - IDEMPOTENCY_DAYS * 86_400_000));
    }
    const layout = deps.layout();
    if (!layout) return NOT_READY;
    return commit(() => decide(req, layout));
  }

  /**
   * Several submissions in one transaction, each as `accept` would take it (an import's page). With
   * `dryRun` nothing is kept: the answers say what would happen (later rows see the earlier ones).
   */
  async function acceptMany(reqs: readonly IntakeRequest[], o: { dryRun?: boolean } = {}): Promise<IntakeAnswer[]> {
    const layout = deps.layout();
    if (!layout) return reqs.map(() => NOT_READY);
    const out: IntakeAnswer[] = [];
    try {
      await store.transaction(async () => {
        out.length = 0; // PostgreSQL may run the transaction again
        for (const r of reqs) out.push(await decide(r, layout));
        if (o.dryRun) throw DRY_RUN;
      });
    } catch (e) {
      if (e !== DRY_RUN) throw e;
    }
    return out;
  }

  /** One submission's decision and writes (inside the caller's transaction). */
  async function decide(req: IntakeRequest, layout: TableLayout): Promise<IntakeAnswer> {
    const target = bitableTarget(layout.appToken, layout.leadsTableId);
    const now = deps.clock.now();
    const idem = req.idempotencyKey;
    if (idem) {
      const before = await store.intake.answerFor(req.source.id, idem);
      if (before && before.bodyHash !== req.bodyHash)
        return {
          ok: false,
          code: 'idempotency_conflict',
          message: { zh: `Idempotency-Key「${idem}」已用于另一份内容不同的提交`, en: `Idempotency-Key "${idem}" was already used for a different body` },
        };
      if (before) return { ok: true, leadKey: before.leadKey, outcome: before.outcome as IntakeOutcome, replayed: true };
    }
    const { facts, activity } = req.submission;
    const decision = decideDuplicate(await candidates(facts));
    const activityKey = `intake:${req.source.id}:${idem ?? `${now.getTime()}:${req.bodyHash.slice(0, 16)}`}`;
    const payload: TimerPayload = activity ? { activity: { type: activity.type, at: activity.at.getTime(), key: activityKey } } : {};
    let leadKey: string;
    let outcome: IntakeOutcome;
    if (decision.kind === 'same') {
      const lead = decision.lead;
      leadKey = lead.leadKey;
      outcome = 'merged';
      const { filled, differing } = fillEmpty(lead.facts, facts);
      if (Object.keys(filled).length) await store.leads.setFacts(lead.id, { ...lead.facts, ...filled }, now);
      const note = [
        `「${req.source.name}」再次提交（按${decision.by.map((b) => byLabel[b]).join('、')}识别为同一线索）`,
        ...(Object.keys(filled).length
          ? [
              `补充了 ${Object.keys(filled)
                .map((k) => fieldOf.get(k) ?? k)
                .join('、')}`,
            ]
          : []),
        ...(differing.length ? [`新提交的 ${differing.map((k) => `${fieldOf.get(k) ?? k}「${String(facts[k])}」`).join('、')} 与现有不同，未覆盖`] : []),
      ];
      await writeLeadRow(store, lead, { ...rowFields(filled), 旅程备注: journeyNote(now, note) }, `intake-merge:${activityKey}`, now);
      await store.timers.schedule({ kind: INTAKE_MERGE, leadId: lead.id, dueAt: now, payload: { ...payload, factsChanged: Object.keys(filled).length > 0 }, dedupeKey: `intake-merge:${activityKey}`, now });
    } else {
      leadKey = await store.leads.nextLeadKey();
      const started = await startLead({ leadKey, facts, actor: { id: `intake:${req.source.id}`, roles: [] }, record: { baseToken: layout.appToken, tableId: layout.leadsTableId } });
      if (!started.ok) throw new Error(`a valid submission could not start the journey: ${started.error.message.en}`);
      const lead = started.value.lead;
      outcome = decision.kind === 'ambiguous' ? 'flagged' : 'created';
      const flag = decision.kind === 'ambiguous' ? `可能与 ${decision.leads.map((m) => `${m.lead.leadKey}（${m.by.map((b) => byLabel[b]).join('、')}相同）`).join('、')} 是同一客户，未自动合并，请人工确认` : undefined;
      await store.tableWrites.enqueueCreate(
        target,
        {
          leadKey,
          fields: {
            ...rowFields(facts),
            线索编号: leadKey,
            阶段: findStage(journey, lead.stage ?? journey.initial)?.label.zh ?? '',
            进入阶段次数: started.value.label ?? '',
            旅程备注: journeyNote(now, [`来自「${req.source.name}」`]),
            ...(flag ? { [DUPLICATE_FLAG]: flag } : {}),
          },
        },
        `intake:${leadKey}`,
        now,
      );
      await store.timers.schedule({ kind: INTAKE_NEW, leadId: lead.id, dueAt: now, payload, dedupeKey: `intake-new:${leadKey}`, now });
    }
    if (idem) await store.intake.keepAnswer(req.source.id, idem, { bodyHash: req.bodyHash, leadKey, outcome }, now);
    return { ok: true, leadKey, outcome, replayed: false };
  }

  /** The timer after an accepted submission: score and route a new lead; a merged one is scored on what it gained. */
  async function onTimer(t: Timer, now: Date, members: Members): Promise<'fired' | 'skipped'> {
    if ((t.kind !== INTAKE_NEW && t.kind !== INTAKE_MERGE) || t.leadId === null || !(await store.timers.markFired(t.id, now))) return 'skipped';
    const lead = await store.leads.get(t.leadId);
    if (!lead || lead.deletedAt) return 'skipped';
    const p = (t.payload ?? {}) as TimerPayload;
    if (t.kind === INTAKE_NEW) await deps.engine.onNewLead(lead, members, now);
    else if (p.factsChanged) await deps.engine.onFactsChanged(lead, members, now);
    if (p.activity) await deps.engine.onActivity((await store.leads.get(lead.id))!, { type: p.activity.type, at: new Date(p.activity.at), key: p.activity.key }, members, now);
    return 'fired';
  }

  return { accept, acceptMany, onTimer };
}

export type Intake = ReturnType<typeof createIntake>;
