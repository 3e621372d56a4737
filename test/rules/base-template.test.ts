import { describe, expect, it } from 'vitest';
import { baseTemplateSchema, DATE_FORMATTERS, loadBaseTemplate } from '../../src/rules/base-template.js';
import { readLeadsBaseTemplate } from '../../src/sandbox/demo-base.js';

/**
 * Date fields show their cells in one of the formats Feishu's field guide lists: a template asking for
 * another (yyyy/MM/dd HH:mm, which the template once used) is refused when the rules load, and the shipped
 * template writes moments as the product writes them elsewhere (2026-12-07 09:30).
 */
describe('date formats in the Base template', () => {
  it('the shipped date fields use listed formats: moments as yyyy-MM-dd HH:mm', () => {
    const dates = loadBaseTemplate().tables.flatMap((t) => t.fields.filter((f) => f.type === 5).map((f) => [`${t.name}.${f.field_name}`, f.property?.date_formatter] as const));
    expect(dates.length).toBeGreaterThan(4);
    for (const [, fmt] of dates) expect(DATE_FORMATTERS).toContain(fmt);
    expect(dates.filter(([, fmt]) => fmt?.includes('HH:mm')).every(([, fmt]) => fmt === 'yyyy-MM-dd HH:mm')).toBe(true);
  });

  it('a format the guide does not list is refused', () => {
    const bad = structuredClone(readLeadsBaseTemplate()) as unknown as { tables: Array<{ fields: Array<{ type?: number; property?: Record<string, unknown> }> }> };
    const date = bad.tables.flatMap((t) => t.fields).find((f) => f.type === 5)!;
    date.property = { ...date.property, date_formatter: 'yyyy/MM/dd HH:mm' };
    const parsed = baseTemplateSchema.safeParse(bad);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain('date_formatter');
  });
});
