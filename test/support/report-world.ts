import { type CardWorld, T0 } from './card-world.js';

export const DAY = 86_400_000;

/**
 * Four leads moved through the default journey by the use cases on a clock that moves (the figures
 * test/usecases/report.test.ts works out by hand):
 * - A (官网咨询): 线索 T0 → MQL +2 d → SQL +3 d → 商机 +4 d → 成单 +10 d
 * - B (转介绍): 线索 T0 → MQL +1 d → SQL +1 d → 商机 +2 d → 成单 +5 d
 * - C (搜索引擎（SEM）): 线索 T0 → MQL +1 d → 培育池 +1 d → MQL +3 d (MQL-02) → SQL +2 d
 * - D (内容下载): still a 线索
 */
export async function fillJourneys(w: CardWorld): Promise<void> {
  const sdr = { id: 'ou_zhangwei', roles: ['sdr'] };
  const director = { id: 'ou_wangmin', roles: ['marketing_director'] };
  const facts = (company: string, source: string) => ({ company, phone: '13800138000', need: '设备联网', source, owner: 'ou_lilei' });
  const start = async (key: string, company: string, source: string) => {
    const r = await w.startLead({ leadKey: key, facts: facts(company, source), actor: sdr, record: { baseToken: 'bascnTest', tableId: 'tblLeads', recordId: `rec${key}` } });
    if (!r.ok) throw new Error(r.error.code);
    return r.value.lead.id;
  };
  const move = async (id: number, to: string, o: { actor?: typeof sdr; reason?: string } = {}) => {
    const actor = o.actor ?? sdr;
    const r = await w.lj.changeStage({
      leadId: id,
      to,
      actor,
      ...(o.reason ? { reason: o.reason } : {}),
      ...(to === 'sql' ? { approval: { id: `a-${id}-${w.clock.now().getTime()}`, approverId: director.id, approverRoles: director.roles } } : {}),
      ...(to === 'won' ? { approval: { id: `w-${id}`, approverId: 'ou_liuyang', approverRoles: ['finance'] } } : {}),
    });
    if (!r.ok || r.value.outcome.status !== 'applied') throw new Error(`${id} → ${to}: ${r.ok ? r.value.outcome.status : r.error.code}`);
  };
  const a = await start('XS-100001', '星河云科技', '官网咨询');
  const b = await start('XS-100002', '蓝鲸教育', '转介绍');
  const c = await start('XS-100003', '东方锅炉', '搜索引擎（SEM）');
  await start('XS-100004', '远航智能', '内容下载');
  const at = (d: number) => w.clock.set(T0 + d * DAY);
  at(1);
  await move(b, 'mql');
  await move(c, 'mql');
  at(2);
  await move(a, 'mql');
  await move(b, 'sql');
  await move(c, 'nurture', { reason: '暂无预算' });
  at(4);
  await move(b, 'opportunity');
  at(5);
  await move(a, 'sql');
  await move(c, 'mql');
  at(7);
  await move(c, 'sql');
  at(9);
  await move(a, 'opportunity');
  await move(b, 'won');
  at(19);
  await move(a, 'won');
}
