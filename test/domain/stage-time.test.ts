import { describe, expect, it } from 'vitest';
import { timeInStage } from '../../src/domain/stage-time.js';
import { loadJourney } from '../../src/rules/load-journey.js';
import { aLead, at, DAY, director, HOUR, walk } from '../support/journey.js';

const j = loadJourney('default');

describe('timeInStage', () => {
  // lead at T0; mql at 1h; sql at 2h; mql at 3h; sql at 4h — walk() spaces moves an hour apart
  const lead = walk(j, aLead(j), [{ to: 'mql' }, { to: 'sql', approver: director }, { to: 'mql', reason: '退回' }, { to: 'sql', approver: director }]);

  it.each([
    { stage: 'lead', now: 10 * HOUR, want: { entries: 1, latestMs: HOUR, cumulativeMs: HOUR, current: false } },
    { stage: 'mql', now: 10 * HOUR, want: { entries: 2, latestMs: HOUR, cumulativeMs: 2 * HOUR, current: false } },
    { stage: 'sql', now: 10 * HOUR, want: { entries: 2, latestMs: 6 * HOUR, cumulativeMs: 7 * HOUR, current: true } },
    { stage: 'sql', now: 4 * HOUR + 3 * DAY, want: { entries: 2, latestMs: 3 * DAY, cumulativeMs: 3 * DAY + HOUR, current: true } },
    { stage: 'opportunity', now: 10 * HOUR, want: { entries: 0, latestMs: 0, cumulativeMs: 0, current: false } },
  ])('$stage at +$now ms', ({ stage, now, want }) => {
    expect(timeInStage(lead.history, stage, at(now))).toEqual(want);
  });

  it('is derived from history order by time, not by array order', () => {
    const shuffled = [...lead.history].reverse();
    expect(timeInStage(shuffled, 'mql', at(10 * HOUR))).toEqual(timeInStage(lead.history, 'mql', at(10 * HOUR)));
  });
});
