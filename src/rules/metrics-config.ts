import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { BaseTemplate } from './base-template.js';
import { TEMPLATES_DIR } from './load-journey.js';
import { optionsOf } from './rule-table.js';

/**
 * How the numbers are counted (docs/metrics.md), from bitable-templates/metrics.json: which 来源渠道
 * count as sourced by marketing (the MLG index), how a stage's usual time is taken (stuck leads), and
 * what each channel cost per month (cost per lead and per win). Channels must be 来源渠道 options.
 */
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export const metricsConfigSchema = z
  .object({
    description: z.string().optional(),
    marketingSources: z.array(z.string().min(1)),
    stuckPercentile: z.number().min(50).max(99),
    stuckMinSample: z.number().int().min(1).max(1000),
    channelCosts: z.record(z.string(), z.record(z.string().min(1), z.number().min(0))),
    slowdownAlerts: z.boolean().optional(),
    weeklyDigest: z
      .object({
        enabled: z.boolean(),
        weekday: z.number().int().min(1).max(7),
        time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, e.g. 09:00'),
        mlgDays: z.number().int().min(7).max(730),
        trendWeeks: z.number().int().min(2).max(26),
      })
      .strict()
      .optional(),
  })
  .strict();

/** 线索周报: on `weekday` (1 = Monday) at `minutes` after local midnight, or the next working day at that time. */
export interface DigestSchedule {
  enabled: boolean;
  weekday: number;
  minutes: number;
  mlgDays: number;
  trendWeeks: number;
}

export const DEFAULT_DIGEST: DigestSchedule = { enabled: true, weekday: 1, minutes: 9 * 60, mlgDays: 90, trendWeeks: 8 };

export interface MetricsConfig {
  isMarketing: (source: string | null) => boolean;
  marketingSources: readonly string[];
  stuck: { percentile: number; minSample: number };
  /** month ("2026-11") → channel → yuan */
  channelCosts: ReadonlyMap<string, ReadonlyMap<string, number>>;
  digest: DigestSchedule;
  /** 推进变慢 cards to the owner of a lead past its stage's usual time */
  slowdownAlerts: boolean;
}

export const METRICS_CONFIG_FILE = join(TEMPLATES_DIR, 'metrics.json');

export function loadMetricsConfig(template: BaseTemplate, file: string = METRICS_CONFIG_FILE): MetricsConfig {
  const parsed = metricsConfigSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')) as unknown);
  if (!parsed.success) throw new Error(`Invalid ${file}:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  const c = parsed.data;
  const badMonths = Object.keys(c.channelCosts).filter((m) => !MONTH.test(m));
  if (badMonths.length) throw new Error(`Invalid ${file}: channelCosts months are YYYY-MM, not ${badMonths.join(', ')}`);
  const options = optionsOf(template, 'leads', '来源渠道');
  const unknown = [...new Set([...c.marketingSources, ...Object.values(c.channelCosts).flatMap((m) => Object.keys(m))])].filter((s) => !options.includes(s));
  if (unknown.length) throw new Error(`Invalid ${file}: not a 来源渠道 option: ${unknown.join(', ')} (options: ${options.join(', ')})`);
  const marketing = new Set(c.marketingSources);
  return {
    isMarketing: (s) => s !== null && marketing.has(s),
    marketingSources: c.marketingSources,
    stuck: { percentile: c.stuckPercentile, minSample: c.stuckMinSample },
    channelCosts: new Map(Object.entries(c.channelCosts).map(([m, costs]) => [m, new Map(Object.entries(costs))])),
    slowdownAlerts: c.slowdownAlerts ?? true,
    digest: c.weeklyDigest ? { ...c.weeklyDigest, minutes: Number(c.weeklyDigest.time.slice(0, 2)) * 60 + Number(c.weeklyDigest.time.slice(3)) } : DEFAULT_DIGEST,
  };
}

/** What each channel cost over the months from `fromMonth` to `toMonth` (inclusive). */
export function costsBetween(config: MetricsConfig, fromMonth: string, toMonth: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [month, costs] of config.channelCosts) {
    if (month < fromMonth || month > toMonth) continue;
    for (const [channel, yuan] of costs) out.set(channel, (out.get(channel) ?? 0) + yuan);
  }
  return out;
}
