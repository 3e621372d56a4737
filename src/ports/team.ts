import type { Member } from '../domain/people.js';

/**
 * Who is on the team (销售团队), as the use cases ask: everyone (cached by the adapter), or what is known
 * within a time budget (a card answer has 3 s), and "the team changed, read it again". The Bitable
 * roster (bitable/roster.ts) implements it; tests pass a fixed map.
 */
export interface Team {
  members(): Promise<ReadonlyMap<string, Member>>;
  /** the team if it can be had within `ms` (cached or read in time); undefined otherwise */
  membersWithin(ms: number): Promise<ReadonlyMap<string, Member> | undefined>;
  invalidate(): void;
}

/** A team that never changes (tests, scripts). */
export const fixedTeam = (members: ReadonlyMap<string, Member>): Team => ({ members: async () => members, membersWithin: async () => members, invalidate: () => {} });
