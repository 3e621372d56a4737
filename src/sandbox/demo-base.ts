import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATES_DIR } from '../rules/load-journey.js';
import type { DemoDirectory } from './demo-directory.js';
import { getBitable } from './feishu/bitable/module.js';
import type { EmuKernel } from './feishu/kernel/kernel.js';

/** The Base schema the product works with, raw (emulator tests build Bases from it through the control API). */
export function readLeadsBaseTemplate(): { name: string; tables: Array<{ name: string; key?: string; fields: Array<Record<string, unknown>> }> } {
  return JSON.parse(readFileSync(join(TEMPLATES_DIR, 'leads.base.json'), 'utf8'));
}

const DAY = 86_400_000;

/**
 * What the demo company's people typed into the Base the product provisioned: a handful of leads at
 * different stages (entered by the SDR 张伟) and the sales team roster. Written through the emulator's
 * "act as a user" path, so they are human rows the server has never seen: at start it adopts them,
 * assigns each its 线索编号 and writes it back.
 */
export async function seedDemoRows(k: EmuKernel, demo: DemoDirectory, appToken: string): Promise<void> {
  const svc = getBitable(k);
  const base = svc.state.base(appToken);
  const table = (name: string) => {
    const t = [...base.tables.values()].find((x) => x.name === name);
    if (!t) throw new Error(`the demo Base has no table ${name}; provisioning should have made it`);
    return t.table_id;
  };
  const now = k.clock.now();
  const { director, salesLead, sdr, sdrNorth, repLi, repHan, finance } = demo.users;
  const asSdr = { operator: svc.userOperator(sdr.open_id) };
  const leads = [
    {
      公司名称: '华东精密仪器有限公司',
      联系人: '赵工',
      职位: '设备工程师',
      电话: '13812345678',
      需求描述: '产线设备数据采集，明年一季度上线',
      来源渠道: '官网咨询',
      行业: '制造业',
      公司规模: '200-999人',
      地区: '华东',
      跟进人: [{ id: repLi.open_id }],
      阶段: 'MQL',
    },
    {
      公司名称: '星河云科技',
      联系人: '钱女士',
      职位: 'CTO',
      邮箱: 'qian@xinghe.example',
      需求描述: '私有化部署评估',
      来源渠道: '搜索引擎（SEM）',
      行业: '信息技术',
      公司规模: '50-199人',
      地区: '华北',
      跟进人: [{ id: repHan.open_id }],
      阶段: 'SQL',
    },
    { 公司名称: '南方医疗器械集团', 联系人: '孙先生', 电话: '13900001111', 来源渠道: '线下活动', 行业: '医疗', 公司规模: '1000人以上', 地区: '华南', 阶段: '线索' },
    { 公司名称: '蓝鲸教育', 联系人: '李老师', 微信: 'lanjing_edu', 来源渠道: '内容下载', 行业: '教育', 公司规模: '1-49人', 地区: '西南', 跟进人: [{ id: sdr.open_id }], 阶段: '培育池' },
    { 公司名称: '恒信金融服务', 联系人: '周总', 电话: '13700002222', 需求描述: '渠道线索统一管理', 来源渠道: '转介绍', 行业: '金融', 公司规模: '200-999人', 地区: '华东', 跟进人: [{ id: repLi.open_id }], 阶段: '商机' },
  ];
  await svc.createRecords(
    appToken,
    table('线索'),
    leads.map((fields) => ({ fields })),
    asSdr,
  );
  const person = (u: { open_id: string }) => [{ id: u.open_id }];
  /** an SDR of the demo company: qualifies the leads of their regions, reports to the marketing director */
  const sdrRow = (name: string, who: 'sdr' | 'sdrNorth', regions: string[]) => ({
    姓名: name,
    钉钉ID: demo.dingtalk.users[who].userId,
    成员: person(demo.users[who]),
    团队: 'SDR组',
    角色: ['SDR'],
    负责地区: regions,
    分配权重: 1,
    跟进上限: 80,
    在岗: true,
    直属上级: person(director),
  });
  const reps = [
    { 姓名: '王敏', 钉钉ID: demo.dingtalk.users.director.userId, 成员: person(director), 团队: '市场部', 角色: ['市场总监'], 在岗: true },
    { 姓名: '陈静', 钉钉ID: demo.dingtalk.users.salesLead.userId, 成员: person(salesLead), 团队: '华东销售组', 角色: ['销售总监'], 在岗: true },
    sdrRow('张伟', 'sdr', ['华东', '华南', '华中', '西南']),
    sdrRow('孙悦', 'sdrNorth', ['华北', '东北', '西北']),
    {
      姓名: '李雷',
      钉钉ID: demo.dingtalk.users.repLi.userId,
      成员: person(repLi),
      团队: '华东销售组',
      角色: ['销售'],
      负责地区: ['华东', '华中'],
      负责行业: ['制造业', '金融'],
      分配权重: 2,
      跟进上限: 30,
      在岗: true,
      直属上级: person(salesLead),
      对接SDR: person(sdr),
    },
    {
      姓名: '韩梅梅',
      钉钉ID: demo.dingtalk.users.repHan.userId,
      成员: person(repHan),
      团队: '华北销售组',
      角色: ['销售'],
      负责地区: ['华北', '东北', '西北'],
      负责行业: ['信息技术', '教育'],
      分配权重: 1,
      跟进上限: 30,
      在岗: true,
      休假至: now - DAY,
      直属上级: person(salesLead),
      对接SDR: person(sdrNorth),
    },
    { 姓名: '刘洋', 钉钉ID: demo.dingtalk.users.finance.userId, 成员: person(finance), 团队: '财务部', 角色: ['财务'], 在岗: true },
  ];
  await svc.createRecords(
    appToken,
    table('销售团队'),
    reps.map((fields) => ({ fields })),
    asSdr,
  );
  await svc.createRecords(appToken, table('活动记录'), [{ fields: { 说明: '下载《制造业数据采集白皮书》', 活动类型: '下载资料', 发生时间: now - 3 * DAY } }], asSdr);
}
