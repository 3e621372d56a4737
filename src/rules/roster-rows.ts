import type { Member } from '../domain/people.js';
import type { BaseTemplate } from './base-template.js';
import { checkRows, list, num, rowError, rowOk, str, type CheckedRows, type RowCheck, type RuleRow } from './rule-table.js';

/**
 * 销售团队 rows → the team. Columns: 姓名, 成员 (the person: routing and @-mentions need it), 团队, 角色
 * (options mapped to journey role ids by the template's `roles`), 负责地区, 负责行业, 分配权重 (default 1),
 * 跟进上限, 每日新线索上限 (leads routed to them a day), 在岗, 休假至, 直属上级, 对接SDR, 离职 (leaving: never on duty, their leads handed over), 交接给 (to
 * whom), 钉钉ID (the DingTalk userId, when the lead group is on DingTalk). A row is checked like a rule row: one person a row, weights and
 * capacities that make sense, nobody their own manager. A wrong row gets a message in 校验结果; the
 * person keeps the version of their row last read right (bitable/roster.ts).
 */
const MAX_WEIGHT = 100;
const MAX_CAPACITY = 10_000;
/** a DingTalk userId (staffId): what its send and @ APIs take (docs/platform/dingtalk.md §2) */
const DINGTALK_ID = /^[A-Za-z0-9_$:-]{1,64}$/;
/**
 * The person id of someone with a 钉钉ID and no Feishu account: cards reach them on DingTalk only, and
 * the Bitable's person cells (跟进人, 操作人) stay empty for them, since only Feishu users fit there.
 */
export const DINGTALK_PERSON = 'dingtalk:';
export const dingTalkPersonId = (userId: string) => `${DINGTALK_PERSON}${userId}`;

export function rosterRowChecker(template: BaseTemplate) {
  const roleIds = template.roles ?? {};
  return function check(r: RuleRow): RowCheck<Member> {
    const dingtalkId = str(r['钉钉ID']).trim();
    if (dingtalkId && !DINGTALK_ID.test(dingtalkId)) return rowError('「钉钉ID」须为钉钉通讯录里的 userId（字母、数字，最多 64 位），或留空', '钉钉ID must be the DingTalk userId (letters and digits, at most 64), or empty');
    // someone on DingTalk only (no Feishu account) is known by their 钉钉ID
    const id = list(r['成员'])[0] ?? (dingtalkId ? dingTalkPersonId(dingtalkId) : undefined);
    if (!id)
      return rowError(
        '「成员」为空：选择一位飞书用户（或只用钉钉的同事填写「钉钉ID」）后，才能给他分配线索和 @ 提醒',
        '成员 is empty: pick the Feishu user (or fill 钉钉ID for someone on DingTalk only), so leads and @-mentions can reach them',
      );
    if (list(r['成员']).length > 1) return rowError('「成员」只能选一个人（每人一行）', '成员 holds one person (one row each)');
    const roleNames = list(r['角色']);
    const unknown = roleNames.filter((n) => !roleIds[n]);
    if (unknown.length) return rowError(`「${unknown.join('、')}」不是已知角色（可选：${Object.keys(roleIds).join('、')}）`, `"${unknown.join(', ')}" is not a known role (${Object.keys(roleIds).join(', ')})`);
    const weight = num(r['分配权重']);
    if (weight !== undefined && (Number.isNaN(weight) || weight < 0 || weight > MAX_WEIGHT))
      return rowError(`「分配权重」须为 0–${MAX_WEIGHT} 的数字（留空为 1；0 表示不参与轮流）`, `分配权重 must be a number from 0 to ${MAX_WEIGHT} (empty: 1)`);
    const capacity = num(r['跟进上限']);
    if (capacity !== undefined && (Number.isNaN(capacity) || !Number.isInteger(capacity) || capacity < 0 || capacity > MAX_CAPACITY))
      return rowError(`「跟进上限」须为 0–${MAX_CAPACITY} 的整数，或留空（不限）`, `跟进上限 must be a whole number from 0 to ${MAX_CAPACITY}, or empty (no limit)`);
    const dailyCap = num(r['每日新线索上限']);
    if (dailyCap !== undefined && (Number.isNaN(dailyCap) || !Number.isInteger(dailyCap) || dailyCap < 0 || dailyCap > MAX_CAPACITY))
      return rowError(`「每日新线索上限」须为 0–${MAX_CAPACITY} 的整数，或留空（不限）`, `每日新线索上限 must be a whole number from 0 to ${MAX_CAPACITY}, or empty (no limit)`);
    const managerId = list(r['直属上级'])[0];
    if (managerId === id) return rowError('「直属上级」不能是本人：超时升级会找不到人', '直属上级 cannot be the person themselves');
    const sdrId = list(r['对接SDR'])[0];
    if (sdrId === id) return rowError('「对接SDR」不能是本人', '对接SDR cannot be the person themselves');
    const leaving = r['离职'] === true;
    const successorId = list(r['交接给'])[0];
    if (successorId === id) return rowError('「交接给」不能是本人：选择接手线索的同事', '交接给 cannot be the person themselves');
    const leave = num(r['休假至']);
    const team = str(r['团队']);
    return rowOk({
      id,
      name: str(r['姓名']),
      roles: roleNames.map((n) => roleIds[n]!),
      managerId,
      onDuty: r['在岗'] === true && !leaving,
      team: team || undefined,
      regions: list(r['负责地区']),
      industries: list(r['负责行业']),
      weight,
      capacity,
      ...(dailyCap !== undefined ? { dailyCap } : {}),
      leaveUntil: leave !== undefined && !Number.isNaN(leave) ? leave : undefined,
      sdrId,
      ...(leaving ? { leaving: true } : {}),
      ...(successorId ? { successorId } : {}),
      ...(dingtalkId ? { dingtalkId } : {}),
    });
  };
}

export function checkRosterRows(rows: readonly RuleRow[], template: BaseTemplate): CheckedRows<Member> {
  return checkRows(
    rows,
    '姓名',
    rosterRowChecker(template),
    (m) => m.id,
    (first) => ({ zh: `这个人在第 ${first} 行已经有了（每人一行）`, en: `this person is already on row ${first} (one row each)` }),
  );
}
