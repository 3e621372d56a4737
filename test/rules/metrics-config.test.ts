import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBaseTemplate } from '../../src/rules/base-template.js';
import { costsBetween, loadMetricsConfig } from '../../src/rules/metrics-config.js';
import { tempDbPath } from '../support/temp-db.js';

/** bitable-templates/metrics.json: how channels are counted (docs/metrics.md#configuration). */
describe('metrics.json', () => {
  const dir = tempDbPath();
  afterAll(() => dir.remove());
  const template = loadBaseTemplate();
  const write = (o: unknown) => {
    const f = join(dir.dir, 'metrics.json');
    writeFileSync(f, JSON.stringify(o));
    return f;
  };
  const base = { marketingSources: ['官网咨询'], stuckPercentile: 75, stuckMinSample: 5, channelCosts: {} };

  it('the shipped file: marketing channels, and no cost yet', () => {
    const c = loadMetricsConfig(template);
    expect(c.isMarketing('官网咨询')).toBe(true);
    expect(c.isMarketing('转介绍')).toBe(false);
    expect(c.isMarketing(null)).toBe(false);
    expect(c.stuck).toEqual({ percentile: 75, minSample: 5 });
    expect(c.channelCosts.size).toBe(0);
  });

  it('sums the costs of the months a period touches', () => {
    const c = loadMetricsConfig(template, write({ ...base, channelCosts: { '2026-10': { 官网咨询: 100 }, '2026-11': { 官网咨询: 50, '搜索引擎（SEM）': 30 }, '2026-12': { 官网咨询: 7 } } }));
    expect(costsBetween(c, '2026-11', '2026-12')).toEqual(
      new Map([
        ['官网咨询', 57],
        ['搜索引擎（SEM）', 30],
      ]),
    );
    expect(costsBetween(c, '2027-01', '2027-02')).toEqual(new Map());
  });

  it('refuses a channel that is not a 来源渠道 option, a bad month and a negative cost', () => {
    expect(() => loadMetricsConfig(template, write({ ...base, marketingSources: ['官网咨询', '抖音'] }))).toThrow(/not a 来源渠道 option: 抖音/);
    expect(() => loadMetricsConfig(template, write({ ...base, channelCosts: { '2026-13': { 官网咨询: 1 } } }))).toThrow(/YYYY-MM/);
    expect(() => loadMetricsConfig(template, write({ ...base, channelCosts: { '2026-11': { 官网咨询: -1 } } }))).toThrow(/channelCosts/);
  });
});
