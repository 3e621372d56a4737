import { describe, expect, it } from 'vitest';
import type { Member } from '../../src/bitable/roster.js';
import { roundRobinRouter } from '../../src/routing/router.js';
import type { LeadRow } from '../../src/store/leads-repo.js';

/** Until the lead engine: a plain round robin over on-duty members holding a candidate role. */
const member = (openId: string, roles: string[], onDuty = true): Member => ({ openId, name: openId, roles, managerOpenId: undefined, onDuty });
const roster = (...ms: Member[]) => new Map(ms.map((m) => [m.openId, m]));
const lead = {} as LeadRow;

describe('roundRobinRouter', () => {
  it('takes turns in a stable order, continuing after whoever was picked last (so restarts keep it fair)', () => {
    let last: string | undefined;
    const r = roundRobinRouter({ candidateRoles: ['sales'], lastPicked: () => last });
    const team = roster(member('ou_c', ['sales']), member('ou_a', ['sales']), member('ou_b', ['sales']), member('ou_director', ['marketing_director']));
    const picks: string[] = [];
    for (let i = 0; i < 7; i++) {
      const d = r.pick(lead, team)!;
      expect(d.rule).toBe('round_robin');
      picks.push((last = d.ownerId));
    }
    expect(picks).toEqual(['ou_a', 'ou_b', 'ou_c', 'ou_a', 'ou_b', 'ou_c', 'ou_a']);
  });

  it('skips people off duty and people without a candidate role; a roster edit does not restart the turn', () => {
    let last: string | undefined = 'ou_b';
    const r = roundRobinRouter({ candidateRoles: ['sales'], lastPicked: () => last });
    const team = roster(member('ou_a', ['sales']), member('ou_b', ['sales']), member('ou_c', ['sales'], false), member('ou_d', ['sdr']), member('ou_e', ['sales']));
    expect(r.pick(lead, team)!.ownerId).toBe('ou_e');
    last = 'ou_e';
    expect(r.pick(lead, team)!.ownerId).toBe('ou_a');
    // the last pick left the team: continue with the next one after them
    last = 'ou_bb';
    expect(r.pick(lead, team)!.ownerId).toBe('ou_e');
  });

  it('nobody to pick: undefined (the caller notes it in 旅程备注)', () => {
    const r = roundRobinRouter({ candidateRoles: ['sales'], lastPicked: () => undefined });
    expect(r.pick(lead, roster(member('ou_a', ['sales'], false), member('ou_x', ['finance'])))).toBeUndefined();
  });
});
