import { when } from '../domain/text.js';
/**
 * What the server writes for people to read in the Bitable: the 旅程备注 note (latest first, with a
 * Beijing-time stamp) and a 阶段历史 row.
 */

export function journeyNote(at: Date, lines: string[]): string {
  return `[${when(at)}] ${lines.join('；')}`;
}

export function stageHistoryRow(h: { leadKey: string; from: string; to: string; label: string; at: Date; actorId: string | undefined; reason: string | null; approvalId?: string | null }): Record<string, unknown> {
  return {
    摘要: `${h.leadKey} ${h.from || '（新建）'} → ${h.to}（${h.label}）`,
    线索编号: h.leadKey,
    原阶段: h.from,
    新阶段: h.to,
    第几次进入: h.label,
    变更时间: h.at.getTime(),
    ...(h.actorId ? { 操作人: h.actorId } : {}),
    ...(h.reason ? { 原因: h.reason } : {}),
    ...(h.approvalId ? { 审批单: h.approvalId } : {}),
  };
}
