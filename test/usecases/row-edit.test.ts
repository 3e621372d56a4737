import { describe, expect, it } from 'vitest';
import { loadRuleSet } from '../../src/compose/rule-set.js';
import { plainCellKey } from '../../src/ports/memory-lead-table.js';
import { templateTable } from '../../src/rules/base-template.js';
import type { LeadRow } from '../../src/store/leads-repo.js';
import { type OwnWrites, readRow } from '../../src/usecases/row-edit.js';

/** Reading a row against its lead is pure: a table of rows, what the server wrote, and what it means. */
const rules = loadRuleSet('default');
const leadsTable = templateTable(rules.template, 'leads');
const lead = { id: 1, leadKey: 'XS-000001', stage: 'mql', facts: { company: '甲公司', phone: '13800000000' } } as unknown as LeadRow;
const own = (written: Record<string, unknown>): OwnWrites => {
  const w = new Map(Object.entries(written).map(([k, v]) => [k, JSON.stringify(v)]));
  return { written: w, ours: (f, v) => w.has(f) && plainCellKey(JSON.parse(w.get(f)!)) === plainCellKey(v) };
};
const read = (cells: Record<string, unknown>, written: Record<string, unknown> = { 线索编号: 'XS-000001', 阶段: 'MQL' }) =>
  readRow({ journey: rules.journey, leadsTable, row: { id: 'rec1', cells: { 公司名称: '甲公司', 电话: '13800000000', 线索编号: 'XS-000001', 阶段: 'MQL', ...cells } as never }, lead, own: own(written), cellKey: plainCellKey });

describe('readRow (pure)', () => {
  it.each([
    ['nothing changed', {}, { putBack: {}, factsChanged: false, stage: { kind: 'same' } }],
    ['a human field typed: new facts', { 需求描述: '设备联网' }, { putBack: {}, factsChanged: true, facts: expect.objectContaining({ need: '设备联网' }) }],
    ['a server field changed: put back what the server wrote, expecting what the row shows', { 线索编号: 'HACKED' }, { putBack: { 线索编号: 'XS-000001' }, expect: { 线索编号: 'HACKED' } }],
    ['a server field the server never wrote, now typed in: emptied', { 线索评分: 99 }, { putBack: { 线索评分: null }, expect: { 线索评分: 99 } }],
    ['a stage edit names the stage and the reason', { 阶段: '培育池', 变更原因: '预算冻结' }, { stage: { kind: 'edit', shown: '培育池', to: 'nurture', reason: '预算冻结' } }],
    ['a stage that is not in the journey', { 阶段: '老板说了算' }, { stage: { kind: 'edit', shown: '老板说了算', to: undefined, reason: undefined } }],
    ['an emptied stage', { 阶段: null }, { stage: { kind: 'edit', shown: undefined, to: undefined, reason: undefined } }],
  ] as const)('%s', (_what, cells, expected) => {
    expect(read(cells)).toMatchObject(expected);
  });

  it('a stage the server itself wrote earlier, while the lead moved on since, is stale (shown again), not an edit', () => {
    expect(read({ 阶段: '线索' }, { 线索编号: 'XS-000001', 阶段: '线索' }).stage).toEqual({ kind: 'stale' });
  });

  it('the note for a restored field says the server keeps it', () => {
    expect(read({ 线索编号: 'HACKED' }).notes).toEqual(['「线索编号」由系统维护，已恢复 / "线索编号" is kept by the server; restored']);
  });
});
