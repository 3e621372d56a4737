import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATES_DIR } from '../rules/load-journey.js';
import type { DemoDirectory } from './demo-directory.js';
import { getBitable } from './feishu/bitable/module.js';
import type { CreatedBase } from './feishu/bitable/template.js';
import type { EmuKernel } from './feishu/kernel/kernel.js';

/** The Base schema the product works with: bitable-templates/leads.base.json. */
export function readLeadsBaseTemplate(): { name: string; tables: Array<{ name: string; key?: string; fields: Array<Record<string, unknown>> }> } {
  return JSON.parse(readFileSync(join(TEMPLATES_DIR, 'leads.base.json'), 'utf8'));
}

const DAY = 86_400_000;

/**
 * The demo company's Base: the product's template with a handful of leads at different stages, so a
 * person opening the sandbox sees a realistic table. Records are written through the emulator's own
 * write path (write shapes, person fields resolved against the directory).
 */
export function seedDemoBase(k: EmuKernel, demo: DemoDirectory): CreatedBase {
  const template = readLeadsBaseTemplate();
  const now = k.clock.now();
  const { repLi, repHan, sdr } = demo.users;
  const leads = [
    { 公司名称: '华东精密仪器有限公司', 联系人: '赵工', 职位: '设备部经理', 电话: '13812345678', 需求描述: '产线设备数据采集，明年一季度上线', 来源渠道: '官网咨询', 行业: '制造业', 公司规模: '200-999人', 地区: '华东', 跟进人: [{ id: repLi.open_id }], 阶段: 'MQL' },
    { 公司名称: '星河云科技', 联系人: '钱女士', 职位: 'CTO', 邮箱: 'qian@xinghe.example', 需求描述: '私有化部署评估', 来源渠道: '搜索引擎（SEM）', 行业: '信息技术', 公司规模: '50-199人', 地区: '华北', 跟进人: [{ id: repHan.open_id }], 阶段: 'SQL' },
    { 公司名称: '南方医疗器械集团', 联系人: '孙先生', 电话: '13900001111', 来源渠道: '线下活动', 行业: '医疗', 公司规模: '1000人以上', 地区: '华南', 阶段: '线索' },
    { 公司名称: '蓝鲸教育', 联系人: '李老师', 微信: 'lanjing_edu', 来源渠道: '内容下载', 行业: '教育', 公司规模: '1-49人', 地区: '西南', 跟进人: [{ id: sdr.open_id }], 阶段: '培育池' },
    { 公司名称: '恒信金融服务', 联系人: '周总', 电话: '13700002222', 需求描述: '渠道线索统一管理', 来源渠道: '转介绍', 行业: '金融', 公司规模: '200-999人', 地区: '华东', 跟进人: [{ id: repLi.open_id }], 阶段: '商机' },
  ];
  return getBitable(k).createBase({
    ...template,
    seed_operator_open_id: sdr.open_id,
    tables: template.tables.map((t) =>
      t.key === 'leads'
        ? { ...t, records: leads.map((fields) => ({ fields })) }
        : t.key === 'activities'
          ? { ...t, records: [{ fields: { 说明: '下载《制造业数据采集白皮书》', 线索编号: 'demo-1', 活动类型: '下载资料', 发生时间: now - 3 * DAY } }] }
          : t,
    ),
  } as Parameters<ReturnType<typeof getBitable>['createBase']>[0]);
}
