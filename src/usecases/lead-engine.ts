import type { LeadRow } from '../store/leads-repo.js';
import type { AdvanceOnScore } from './advance-on-score.js';
import type { Members } from './lead-cards.js';
import type { Scoring } from './score-lead.js';

/**
 * What the lead engine does when something happens to a lead, in one place for every way in (a row
 * typed into the Bitable, an edit, an activity; later the intake API and imports): score it, and move it
 * on when the score says so. Each call runs inside the caller's transaction.
 */
export interface LeadEngineDeps {
  scoring: Scoring;
  advance: AdvanceOnScore;
}

export interface ActivityIn {
  type: string;
  at: Date;
  /** the sender's id for it: the same key twice is one activity */
  key: string;
  detail?: string;
}

export function createLeadEngine(deps: LeadEngineDeps) {
  const { scoring, advance } = deps;
  return {
    /** A lead just came in: profile score and grade, silence clock, and on if the score says so. */
    onNewLead(lead: LeadRow, members: Members, now: Date): void {
      scoring.rescore(lead, now);
      advance(lead, 0, members, now);
    },
    /** People edited the lead's facts (source, industry, size …): the profile points follow. */
    onFactsChanged(lead: LeadRow, members: Members, now: Date): void {
      const before = lead.score;
      if (scoring.rescore(lead, now)) advance(lead, before, members, now);
    },
    /** An activity of the lead; false when it was already recorded. */
    onActivity(lead: LeadRow, a: ActivityIn, members: Members, now: Date): boolean {
      const before = lead.score;
      const points = scoring.addActivity(lead, a, now);
      if (points === undefined) return false;
      if (points > 0) advance(lead, before, members, now);
      return true;
    },
  };
}

export type LeadEngine = ReturnType<typeof createLeadEngine>;
