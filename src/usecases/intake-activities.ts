import { decideDuplicate } from '../domain/dedupe.js';
import type { Clock } from '../lib/clock.js';
import type { LeadRow } from '../store/leads-repo.js';
import { createGroupCommit } from '../store/group-commit.js';
import type { Store } from '../store/store.js';
import type { Timer } from '../store/timers-repo.js';
import type { Members } from './lead-cards.js';
import { activityRef, type LeadEngine } from './lead-engine.js';

/**
 * Behaviour from marketing tools (POST /api/activities): a download, a webinar, a price-page visit …
 * Each is recorded once per sender's event id. Named by 线索编号, phone or e-mail, it is the lead's and
 * is scored at once (a durable timer, `intake.activity`, with the team to hand); for a lead we do not
 * have yet it is kept and becomes the lead's when the lead appears (lead-engine.ts#attachWaiting). A
 * phone and an e-mail naming two different leads attach it to neither: it is kept, never guessed.
 * See docs/intake.md#post-apiactivities.
 */
export const INTAKE_ACTIVITY = 'intake.activity';

export interface ActivityPost {
  eventId: string;
  type: string;
  at: Date;
  detail?: string;
  /** the lead by 线索编号, E.164 phone or lower-case e-mail (at least one) */
  lead: { leadKey?: string; phone?: string; email?: string };
}

export type ActivityStatus = 'recorded' | 'pending' | 'ambiguous' | 'duplicate';

export function createIntakeActivities(deps: { store: Store; clock: Clock; engine: LeadEngine }) {
  const { store } = deps;
  const commit = createGroupCommit(store);

  async function leadFor(ref: ActivityPost['lead']): Promise<LeadRow | 'ambiguous' | undefined> {
    if (ref.leadKey) {
      const l = await store.leads.getByKey(ref.leadKey);
      return l && !l.deletedAt ? l : undefined;
    }
    const d = decideDuplicate(await store.leads.byContact({ phone: ref.phone, email: ref.email }));
    return d.kind === 'same' ? d.lead : d.kind === 'ambiguous' ? 'ambiguous' : undefined;
  }

  /** Record one posted activity (answered after it commits). */
  function record(source: { id: string }, post: ActivityPost): Promise<{ status: ActivityStatus; leadKey?: string }> {
    return commit(async () => {
      const now = deps.clock.now();
      const key = `api:${source.id}:${post.eventId}`;
      const seen = await store.activities.getByKey(key);
      if (seen) {
        const lead = seen.leadId === null ? undefined : await store.leads.get(seen.leadId);
        return { status: 'duplicate' as const, ...(lead ? { leadKey: lead.leadKey } : {}) };
      }
      const lead = await leadFor(post.lead);
      const r = post.lead;
      const ref = r.leadKey ? activityRef('key', r.leadKey) : r.phone ? activityRef('phone', r.phone) : activityRef('email', r.email!);
      const row = await store.activities.add({
        leadId: typeof lead === 'object' ? lead.id : null,
        // an ambiguous one is kept under a name no lead has: a person decides, nothing attaches it
        ...(typeof lead === 'object' ? {} : { leadRef: lead === 'ambiguous' ? `ambiguous:${ref}` : ref }),
        type: post.type,
        at: post.at,
        key,
        ...(post.detail ? { detail: post.detail } : {}),
        now,
      });
      if (!row) return { status: 'duplicate' as const };
      if (typeof lead !== 'object') return { status: lead === 'ambiguous' ? ('ambiguous' as const) : ('pending' as const) };
      await store.timers.schedule({ kind: INTAKE_ACTIVITY, leadId: lead.id, dueAt: now, payload: { activityId: row.id }, dedupeKey: `intake-activity:${row.id}`, now });
      return { status: 'recorded' as const, leadKey: lead.leadKey };
    });
  }

  /** The timer after a recorded activity: its points, and on if they say so. */
  async function onTimer(t: Timer, now: Date, members: Members): Promise<'fired' | 'skipped'> {
    if (t.kind !== INTAKE_ACTIVITY || t.leadId === null || !(await store.timers.markFired(t.id, now))) return 'skipped';
    const lead = await store.leads.get(t.leadId);
    const a = await store.activities.get((t.payload as { activityId: number }).activityId);
    if (!lead || lead.deletedAt || !a) return 'skipped';
    await deps.engine.onActivityRecorded(lead, { type: a.type, at: a.occurredAt, key: a.sourceKey, ...(a.detail ? { detail: a.detail } : {}) }, members, now);
    return 'fired';
  }

  return { record, onTimer };
}

export type IntakeActivities = ReturnType<typeof createIntakeActivities>;
