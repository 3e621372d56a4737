import { describe, expect, it } from 'vitest';
import { JourneyError, parseJourney } from '../../src/rules/journey-schema.js';
import { JOURNEY_PRESETS, listJourneyFiles, loadJourney } from '../../src/rules/load-journey.js';
import { DEFAULT_LEAD_MINIMUM, leadMinimumOf } from '../../src/domain/journey.js';
import { missingForLead } from '../../src/domain/guards.js';

describe('journey presets are data', () => {
  it('ships exactly the three presets, each valid', () => {
    expect(listJourneyFiles().sort()).toEqual([...JOURNEY_PRESETS].map((p) => `${p}.json`).sort());
    for (const p of JOURNEY_PRESETS) expect(loadJourney(p).id).toBe(p);
  });

  it('default journey has the five main stages plus nurture, disqualified and lost', () => {
    const j = loadJourney('default');
    expect(j.stages.map((s) => s.label.zh)).toEqual(['线索', 'MQL', 'SQL', '商机', '成单', '培育池', '无效', '输单']);
  });

  it('nine-stage lifecycle preset (docs/domain.md#stages-and-the-stage-machine)', () => {
    expect(loadJourney('lifecycle-9').stages.map((s) => s.label.zh)).toEqual(['认知', '朋友', '名字', '互动', '目标客户', '市场认可线索', '销售认可线索', '商机', '客户']);
  });

  it('funnel preset: MAL → MIL → MQL → SQL', () => {
    expect(loadJourney('funnel-4').stages.map((s) => s.code)).toEqual(['MAL', 'MIL', 'MQL', 'SQL']);
  });

  it('rejects a bad definition naming every problem', () => {
    const bad = {
      id: 'x',
      name: { zh: '坏', en: 'bad' },
      initial: 'nowhere',
      stages: [
        { id: 'a', code: 'A', label: { zh: 'A', en: 'A' }, kind: 'open' },
        { id: 'a', code: 'B', label: { zh: 'B', en: 'B' }, kind: 'open' },
      ],
      transitions: [
        { from: 'a', to: 'zz', kind: 'forward' },
        { from: 'a', to: 'a', kind: 'forward' },
      ],
    };
    try {
      parseJourney(bad, 'bad.json');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(JourneyError);
      expect((e as JourneyError).problems).toEqual(['stage id "a" appears twice', 'initial stage "nowhere" is not a stage of this journey', 'transition a → zz: unknown stage "zz"', 'transition a → a: a stage cannot move to itself']);
    }
  });

  it('rejects schema errors with their path', () => {
    expect(() => parseJourney({ id: 'X Y', stages: [] })).toThrow(/id: lower-case letters/);
  });
});

describe('leadMinimum: what a row needs before it is a lead', () => {
  const base = { id: 'x', name: { zh: 'x', en: 'x' }, initial: 'a', stages: [{ id: 'a', code: 'A', label: { zh: 'A', en: 'A' }, kind: 'open' }], transitions: [] };
  const label = { zh: '分数', en: 'score' };

  it('every preset names it: a company or a contact, and a way to reach them', () => {
    for (const p of JOURNEY_PRESETS) {
      const j = loadJourney(p);
      expect(j.leadMinimum!.map((g) => (g.type === 'anyOf' ? g.facts : g))).toEqual([
        ['company', 'contact_name'],
        ['phone', 'email', 'wechat'],
      ]);
      expect(missingForLead(leadMinimumOf(j), {}).length).toBe(2);
      expect(missingForLead(leadMinimumOf(j), { company: '甲', phone: '' }).map((g) => g.label.zh)).toEqual(['联系方式（电话/邮箱/微信）']);
      expect(missingForLead(leadMinimumOf(j), { contact_name: '赵', wechat: 'zhao' })).toEqual([]);
    }
  });

  it('absent: the default (so an empty row is never a lead); only a score, or nothing: refused', () => {
    expect(missingForLead(leadMinimumOf(parseJourney(base)), {})).toHaveLength(DEFAULT_LEAD_MINIMUM.length);
    expect(() => parseJourney({ ...base, leadMinimum: [] })).toThrow(/leadMinimum/);
    expect(() => parseJourney({ ...base, leadMinimum: [{ type: 'minScore', min: 10, label }] })).toThrow(/leadMinimum needs at least one fact/);
  });
});
