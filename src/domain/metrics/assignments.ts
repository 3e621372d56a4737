import { ratio } from './history.js';

/**
 * SLA compliance per rep and for the team, and returns by reason (docs/metrics.md), from the
 * assignments: each offer with its deadlines, what the rep did, and whether its SLA ladder fired.
 */
export interface AssignmentFacts {
  ownerId: string;
  status: 'offered' | 'accepted' | 'returned' | 'withdrawn';
  offeredAt: Date;
  /** 认领 within this (null: nothing to accept, e.g. a claim from the pool) */
  acceptDueAt: Date | null;
  acceptedAt: Date | null;
  /** the first feedback within this, once accepted */
  followUpDueAt: Date | null;
  returnedAt: Date | null;
  returnReason: string | null;
  /** the SLA ladder fired (its first step is at the deadline): the deadline passed with nobody acting */
  escalated: { accept: boolean; followUp: boolean };
}

export interface SlaCount {
  met: number;
  missed: number;
  /** met ÷ (met + missed) */
  rate: number | undefined;
}

export interface SlaRow {
  /** a rep's open_id, or 'team' */
  ownerId: string;
  accept: SlaCount;
  followUp: SlaCount;
}

type Verdict = 'met' | 'missed' | undefined;

/**
 * 认领 SLA: met when accepted, or returned with a reason, by the deadline; missed when the ladder fired,
 * it was accepted late, or it is still waiting past the deadline. An offer withdrawn before its deadline
 * without a lapse (the lead moved back) is not counted, nor one still in time.
 */
export function acceptVerdict(a: AssignmentFacts, now: Date): Verdict {
  if (!a.acceptDueAt) return undefined;
  const due = a.acceptDueAt.getTime();
  if (a.escalated.accept) return 'missed';
  if (a.acceptedAt) return a.acceptedAt.getTime() <= due ? 'met' : 'missed';
  if (a.status === 'returned' && a.returnedAt) return a.returnedAt.getTime() <= due ? 'met' : 'missed';
  if (a.status === 'offered') return now.getTime() > due ? 'missed' : undefined;
  return undefined;
}

/** 首次跟进 SLA: missed when its ladder fired; met when its deadline passed without that. */
export function followUpVerdict(a: AssignmentFacts, now: Date): Verdict {
  if (!a.acceptedAt || !a.followUpDueAt) return undefined;
  if (a.escalated.followUp) return 'missed';
  return now.getTime() > a.followUpDueAt.getTime() ? 'met' : undefined;
}

export function slaCompliance(list: readonly AssignmentFacts[], now: Date): { reps: SlaRow[]; team: SlaRow } {
  const empty = (ownerId: string) => ({ ownerId, accept: { met: 0, missed: 0, rate: undefined }, followUp: { met: 0, missed: 0, rate: undefined } }) as SlaRow;
  const reps = new Map<string, SlaRow>();
  const team = empty('team');
  for (const a of list) {
    const row = reps.get(a.ownerId) ?? empty(a.ownerId);
    reps.set(a.ownerId, row);
    for (const [key, v] of [
      ['accept', acceptVerdict(a, now)],
      ['followUp', followUpVerdict(a, now)],
    ] as const) {
      if (!v) continue;
      row[key][v]++;
      team[key][v]++;
    }
  }
  const rated = (r: SlaRow): SlaRow => ({ ...r, accept: { ...r.accept, rate: ratio(r.accept.met, r.accept.met + r.accept.missed) }, followUp: { ...r.followUp, rate: ratio(r.followUp.met, r.followUp.met + r.followUp.missed) } });
  return { reps: [...reps.values()].map(rated).sort((a, b) => a.ownerId.localeCompare(b.ownerId)), team: rated(team) };
}

/** Returned leads by reason in [from, to), most common first. */
export function returnsByReason(list: readonly AssignmentFacts[], o: { from?: Date; to?: Date } = {}): Array<{ reason: string; count: number }> {
  const counts = new Map<string, number>();
  for (const a of list) {
    if (a.status !== 'returned' || !a.returnedAt || (o.from && a.returnedAt < o.from) || (o.to && a.returnedAt >= o.to)) continue;
    const reason = a.returnReason?.trim() || '（未填写原因）';
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}
