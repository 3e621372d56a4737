import { describe, expect, it } from 'vitest';
import { loadBaseTemplate } from '../../src/rules/base-template.js';
import { checkRosterRows } from '../../src/rules/roster-rows.js';

const template = loadBaseTemplate();
const li = { 姓名: '李雷', 成员: ['ou_lilei'], 角色: ['销售'], 在岗: true };

describe('销售团队 rows: one person a row, numbers that make sense', () => {
  it('a right row is the member routing and cards use', () => {
    const { values, problems } = checkRosterRows([{ ...li, 团队: '华东销售组', 负责地区: ['华东'], 分配权重: 2, 跟进上限: 30, 直属上级: 'ou_chenjing', 对接SDR: ['ou_zhangwei'], 休假至: 1_800_000_000_000 }], template);
    expect(problems).toEqual([]);
    expect(values[0]!.value).toEqual({
      id: 'ou_lilei',
      name: '李雷',
      roles: ['sales'],
      managerId: 'ou_chenjing',
      onDuty: true,
      team: '华东销售组',
      regions: ['华东'],
      industries: [],
      weight: 2,
      capacity: 30,
      leaveUntil: 1_800_000_000_000,
      sdrId: 'ou_zhangwei',
    });
  });

  it('someone on DingTalk only: no 成员, a 钉钉ID; their person id says so', () => {
    const { values, problems } = checkRosterRows([{ 姓名: '赵敏', 钉钉ID: '0211239999', 角色: ['销售'], 在岗: true }], template);
    expect(problems).toEqual([]);
    expect(values[0]!.value).toMatchObject({ id: 'dingtalk:0211239999', name: '赵敏', dingtalkId: '0211239999' });
  });

  it('钉钉ID (the DingTalk userId) is kept when filled in', () => {
    const { values, problems } = checkRosterRows([{ ...li, 钉钉ID: ' 0211230004 ' }], template);
    expect(problems).toEqual([]);
    expect(values[0]!.value.dingtalkId).toBe('0211230004');
  });

  it.each([
    [{ 姓名: '空行' }, '「成员」为空'],
    [{ ...li, 成员: ['ou_lilei', 'ou_hanmeimei'] }, '「成员」只能选一个人'],
    [{ ...li, 角色: ['销售', '老板'] }, '「老板」不是已知角色'],
    [{ ...li, 分配权重: -1 }, '「分配权重」须为 0–100 的数字'],
    [{ ...li, 跟进上限: 2.5 }, '「跟进上限」须为 0–10000 的整数'],
    [{ ...li, 直属上级: ['ou_lilei'] }, '「直属上级」不能是本人'],
    [{ ...li, 对接SDR: 'ou_lilei' }, '「对接SDR」不能是本人'],
    [{ ...li, 离职: true, 交接给: ['ou_lilei'] }, '「交接给」不能是本人'],
    [{ ...li, 每日新线索上限: -1 }, '「每日新线索上限」须为 0–10000 的整数'],
    [{ ...li, 钉钉ID: '李雷的钉钉' }, '「钉钉ID」须为钉钉通讯录里的 userId'],
  ])('%o is refused: %s', (row, says) => {
    const { values, problems } = checkRosterRows([row], template);
    expect(values).toEqual([]);
    expect(problems[0]!.message.zh).toContain(says);
    expect(problems[0]!.message.en).toMatch(/\w/);
  });

  it('每日新线索上限: the daily cap routing keeps beside 跟进上限', () => {
    expect(checkRosterRows([{ ...li, 每日新线索上限: 8 }], template).values[0]!.value.dailyCap).toBe(8);
    expect(checkRosterRows([li], template).values[0]!.value.dailyCap).toBeUndefined();
  });

  it('离职: never on duty (whatever 在岗 says), with the successor named in 交接给', () => {
    const { values } = checkRosterRows([{ ...li, 离职: true, 交接给: ['ou_hanmeimei'] }], template);
    expect(values[0]!.value).toMatchObject({ id: 'ou_lilei', onDuty: false, leaving: true, successorId: 'ou_hanmeimei' });
  });

  it('the same person on two rows: the second is named', () => {
    const { values, problems } = checkRosterRows([li, { ...li, 姓名: '李雷（重复）' }], template);
    expect(values).toHaveLength(1);
    expect(problems.map((p) => [p.row, p.message.zh])).toEqual([[2, '这个人在第 1 行已经有了（每人一行）']]);
  });
});
