import { describe, expect, it } from 'vitest';
import { seedCells } from '../../src/bitable/provision.js';
import { loadRuleSet, ruleTableSpecs } from '../../src/compose/rule-set.js';
import { readRuleFile } from '../../src/rules/rule-table.js';
import { CHECK_FIELD } from '../../src/usecases/rule-tables.js';

/**
 * The rule tables of the Base template and their shipped rows agree: every column a row file uses is a
 * field of its table (provisioning writes only those), the rows as the Base gives them back pass their
 * check, and a condition column offers exactly the options of the 线索 field it matches.
 */
const rules = loadRuleSet('default');
const tables = rules.template.tables.filter((t) => t.rows);
const specs = ruleTableSpecs(rules);

describe('rule tables in leads.base.json', () => {
  it('every rule table has a spec, and every spec a table (销售团队 is checked without default rows)', () => {
    expect([...tables.map((t) => t.key), 'reps'].sort()).toEqual(specs.map((s) => s.key).sort());
    for (const s of specs) expect(rules.template.tables.find((t) => t.key === s.key)?.fields.find((f) => f.field_name === CHECK_FIELD)?.owner).toBe('server');
  });

  it.each(tables.map((t) => [t.name, t] as const))('%s: its rows use only its fields, pass their check as written into the Base, and it has a server-owned 校验结果', (_name, t) => {
    const file = readRuleFile(t.name, `bitable-templates/${t.rows}`);
    expect(file.table).toBe(t.name);
    const fields = new Set(t.fields.map((f) => f.field_name));
    for (const r of file.rows) expect(Object.keys(r).filter((k) => !fields.has(k))).toEqual([]);
    expect(t.fields.find((f) => f.field_name === CHECK_FIELD)?.owner).toBe('server');
    const spec = specs.find((s) => s.key === t.key)!;
    const checked = spec.check(file.rows.map((r) => seedCells(t, r)));
    expect(checked.problems).toEqual([]);
    expect(checked.values).toHaveLength(file.rows.length);
  });

  it('a condition column offers exactly the options of the 线索 (or 销售团队) field of the same name', () => {
    const source = (name: string) => rules.template.tables.find((t) => t.key === 'leads')!.fields.find((f) => f.field_name === name) ?? rules.template.tables.find((t) => t.key === 'reps')!.fields.find((f) => f.field_name === name);
    const names = (f: { property?: { options?: Array<{ name: string }> } } | undefined) => (f?.property?.options ?? []).map((o) => o.name);
    let compared = 0;
    for (const t of tables) {
      for (const f of t.fields) {
        const src = source(f.field_name);
        if (!src || !(f.type === 3 || f.type === 4) || !names(src).length) continue;
        expect([t.name, f.field_name, names(f)]).toEqual([t.name, f.field_name, names(src)]);
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(6); // 来源渠道, 地区, 行业, 公司规模, 团队 (分配规则), 阶段 (培育步骤)
  });
});
