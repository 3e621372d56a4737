import type { Journey } from '../domain/journey.js';
import { findStage } from '../domain/journey.js';
import { activityPoints, clampDelta, decayDue, gradeOf, nextDecayAt, profileDeltas, reasonsText, topReasons, type LedgerLine, type ScoringRules } from '../domain/scoring.js';
import type { DecayRow, LeadRow } from '../store/leads-repo.js';
import type { LedgerEntry } from '../store/score-ledger-repo.js';
import type { Store } from '../store/store.js';
import { writeLeadRow } from './lead-row.js';

/**
 * The score of a lead kept in the ledger (every change with its rule, points, time and cause) and shown
 * in the Bitable (线索评分, 评分等级, 评分依据 — the top reasons). Each function runs inside the caller's
 * transaction, except `decayPass`, which takes its own in batches. Rules come from a getter: the team
 * edits them in 评分规则 and the last good set is in force.
 */
export interface ScoringDeps {
  store: Store;
  journey: Journey;
  rules: () => ScoringRules;
}

export const SCORE_FIELDS = { score: '线索评分', grade: '评分等级', reasons: '评分依据' } as const;

/** Stages whose leads still decay: open and nurture (a won, lost or disqualified lead keeps its score). */
const decays = (journey: Journey, stage: string | null) => {
  const kind = stage ? findStage(journey, stage)?.kind : undefined;
  return kind === 'open' || kind === 'nurture';
};

const lines = (ledger: readonly LedgerEntry[]): LedgerLine[] => ledger.map((e) => ({ reasonCode: e.reasonCode, delta: e.delta, at: e.at, detail: e.detail }));

export function createScoring(deps: ScoringDeps) {
  const { store } = deps;

  /** Silence counts from the last activity, or from when the lead came in. */
  const silentSince = (lead: Pick<LeadRow, 'lastActivityAt' | 'createdAt'>) => lead.lastActivityAt ?? lead.createdAt;

  async function schedule(lead: LeadRow, decayedDays: number): Promise<void> {
    const next = decays(deps.journey, lead.stage) ? nextDecayAt(deps.rules(), silentSince(lead), decayedDays) : undefined;
    await store.leads.setDecay(lead.id, decayedDays, next ?? null);
  }

  /** What people see of a lead's score: 线索评分, 评分等级 and the top reasons; and the last ledger entry's id. */
  async function cells(leadId: number): Promise<{ fields: Record<string, unknown>; last: number; lead: LeadRow }> {
    const ledger = await store.scores.listForLead(leadId);
    const lead = (await store.leads.get(leadId))!;
    return { fields: { [SCORE_FIELDS.score]: lead.score, [SCORE_FIELDS.grade]: lead.grade, [SCORE_FIELDS.reasons]: reasonsText(topReasons(lines(ledger))) || null }, last: ledger.at(-1)?.id ?? 0, lead };
  }

  /** Write what people see (keyed by the last ledger entry). */
  async function show(lead: LeadRow, now: Date): Promise<void> {
    const c = await cells(lead.id);
    await writeLeadRow(store, c.lead, c.fields, `score:${lead.id}:${c.last}:${c.lead.grade ?? ''}`, now);
  }

  /**
   * Bring the profile points (source, industry, size, title, region) to what the lead's facts call for
   * now, and its grade. Returns whether anything changed. A new lead also starts its silence clock.
   */
  async function rescore(lead: LeadRow, now: Date): Promise<boolean> {
    const rules = deps.rules();
    const deltas = profileDeltas(rules, lead.facts, lines(await store.scores.listForLead(lead.id)));
    for (const d of deltas) await store.scores.append({ leadId: lead.id, at: now, delta: d.delta, reasonCode: d.reasonCode, detail: d.detail });
    const grade = gradeOf(rules, lead.facts);
    const gradeChanged = grade !== lead.grade;
    if (gradeChanged) await store.leads.setGrade(lead.id, grade);
    if (lead.decayNextAt === null && lead.decayedDays === 0) await schedule(lead, 0);
    const changed = deltas.length > 0 || gradeChanged;
    if (changed) await show(lead, now);
    return changed;
  }

  /**
   * An activity of the lead (idempotent by `key`): recorded, scored by its type within the cap, and the
   * silence clock starts again. Returns the points it scored (0 when capped or unscored), or undefined
   * when the key was seen before.
   */
  /** Score an activity already recorded (one attached to its lead later). */
  async function scoreActivity(lead: LeadRow, a: { type: string; at: Date; key: string; detail?: string }, now: Date): Promise<number> {
    const p = activityPoints(deps.rules(), a.type, a.at, lines(await store.scores.listForLead(lead.id)));
    if (p && p.delta > 0) await store.scores.append({ leadId: lead.id, at: a.at, delta: p.delta, reasonCode: `behaviour:${a.type}`, detail: p.detail, sourceKey: `activity:${a.key}` });
    await store.leads.recordActivity(lead.id, a.at, now);
    const fresh = (await store.leads.get(lead.id))!;
    await schedule(fresh, fresh.decayedDays);
    await show(lead, now);
    return p?.delta ?? 0;
  }

  /** Points off with a reason (a return): never below zero. */
  async function penalize(lead: LeadRow, points: number, reasonCode: string, detail: string, key: string, now: Date): Promise<number> {
    const fresh = (await store.leads.get(lead.id))!;
    const delta = clampDelta(fresh.score, -Math.abs(points));
    if (delta !== 0) await store.scores.append({ leadId: lead.id, at: now, delta, reasonCode, detail, sourceKey: key });
    await show(lead, now);
    return delta;
  }

  /**
   * (inside the pass's transaction) One lead's due silence tiers: ledger entries (idempotent per silence
   * and tier), score and next tier in one write, and the row's score fields. `ledger` is the lead's
   * ledger as read for the whole batch; the entries added here are appended to it.
   */
  async function decayLead(lead: DecayRow, ledger: Array<LedgerLine & { id: number }>, now: Date): Promise<number> {
    if (!decays(deps.journey, lead.stage)) {
      await store.leads.setDecay(lead.id, lead.decayedDays, null);
      return 0;
    }
    const rules = deps.rules();
    const since = silentSince(lead);
    const due = decayDue(rules, since, lead.decayedDays, now);
    let score = lead.score;
    let last = ledger.at(-1)?.id ?? 0;
    for (const t of due) {
      const delta = clampDelta(score, t.points);
      if (delta === 0) continue;
      const detail = `沉默${t.days}天`;
      const id = await store.scores.appendKnown({ leadId: lead.id, at: now, delta, balance: score + delta, reasonCode: 'decay', detail, sourceKey: `decay:${lead.id}:${since.getTime()}:${t.days}` });
      if (id === undefined) continue;
      score += delta;
      last = id;
      ledger.push({ id, reasonCode: 'decay', delta, at: now, detail });
    }
    const days = due.length ? due.at(-1)!.days : lead.decayedDays;
    await store.leads.setDecayed(lead.id, score, days, nextDecayAt(rules, since, days) ?? null, now);
    if (due.length) {
      await writeLeadRow(store, lead, { [SCORE_FIELDS.score]: score, [SCORE_FIELDS.grade]: lead.grade, [SCORE_FIELDS.reasons]: reasonsText(topReasons(ledger)) || null }, `score:${lead.id}:${last}:${lead.grade ?? ''}`, now);
    }
    return due.length;
  }

  /**
   * Every lead whose next silence tier is due, in batches of `batch` per transaction (a restart in the
   * middle repeats nothing: entries are keyed per silence and tier). Returns how many leads decayed.
   * A batch reads its leads (without their facts) in one query, then their ledgers.
   */
  async function decayPass(now: Date, o: { batch?: number } = {}): Promise<{ leads: number; tiers: number }> {
    const out = { leads: 0, tiers: 0 };
    for (;;) {
      const due = await store.leads.decayDue(now, o.batch ?? 1000);
      if (!due.length) return out;
      // counted after the commit: PostgreSQL may run the transaction again
      const tiers = await store.transaction(async () => {
        const ledgers = await store.scores.linesForLeads(due.map((l) => l.id));
        const ns: number[] = [];
        for (const lead of due) {
          const ledger = (ledgers.get(lead.id) ?? []).map((e) => ({ id: e.id, reasonCode: e.reasonCode, delta: e.delta, at: now, detail: e.detail }));
          ns.push(await decayLead(lead, ledger, now));
        }
        return ns;
      });
      for (const n of tiers) {
        out.tiers += n;
        if (n) out.leads++;
      }
    }
  }

  /** The rules changed (decay tiers edited) or the schedule predates them: when is each lead's next tier. */
  async function rescheduleAll(o: { batch?: number } = {}): Promise<number> {
    let after = 0;
    let n = 0;
    for (;;) {
      const ids = await store.leads.idsAfter(after, o.batch ?? 1000);
      if (!ids.length) return n;
      await store.transaction(async () => {
        for (const id of ids) {
          const lead = (await store.leads.get(id))!;
          await schedule(lead, lead.decayedDays);
        }
      });
      n += ids.length;
      after = ids.at(-1)!;
    }
  }

  return { rescore, scoreActivity, penalize, decayLead, decayPass, rescheduleAll, show, cells, silentSince };
}

export type Scoring = ReturnType<typeof createScoring>;
