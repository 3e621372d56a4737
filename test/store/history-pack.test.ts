import { describe, expect, it } from 'vitest';
import { HISTORY_SEP, unpackHistory } from '../../src/store/transitions-repo.js';

/** The packed history on each lead's row (migration 018) read back entry by entry, as the report reads it. */
const read = (packed: string) => {
  const out: Array<[string, number]> = [];
  unpackHistory(packed, (text, start, end, at) => out.push([text.slice(start, end), at]));
  return out;
};

describe('unpackHistory', () => {
  it('reads stage and time of each entry, the kind skipped', () => {
    expect(read(['lead', '1764554400000', 'create', 'mql', '1764640800000', 'forward', 'nurture', '1764727200000', 'recycle'].join(HISTORY_SEP))).toEqual([
      ['lead', 1764554400000],
      ['mql', 1764640800000],
      ['nurture', 1764727200000],
    ]);
    expect(read(['opportunity', '0', 'create'].join(HISTORY_SEP))).toEqual([['opportunity', 0]]);
    expect(read(['lead', '-86400000', 'create'].join(HISTORY_SEP))).toEqual([['lead', -86400000]]);
    expect(read('')).toEqual([]);
  });

  it('refuses a pack it cannot read instead of making up times', () => {
    expect(() => read('lead')).toThrow(/without its time/);
    expect(() => read(['lead', 'x1', 'create'].join(HISTORY_SEP))).toThrow(/no time after stage lead/);
    expect(() => read(['lead', '12a', 'create'].join(HISTORY_SEP))).toThrow(/no time after stage lead/);
    expect(() => read(['lead', '-', 'create'].join(HISTORY_SEP))).toThrow(/no time after stage lead/);
  });
});
