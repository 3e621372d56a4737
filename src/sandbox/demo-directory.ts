import type { EmuKernel } from './feishu/kernel/kernel.js';
import type { EmuUser } from './feishu/kernel/directory.js';
import type { EmuApp } from './feishu/kernel/apps.js';
import type { EmuChat } from './feishu/kernel/directory.js';
import { dingTalkOf } from './dingtalk/module.js';
import type { DtApp, DtGroup, DtUser } from './dingtalk/org.js';

/**
 * The people of the demo company the sandbox starts with: a marketing director who approves MQL→SQL,
 * two SDRs (张伟 for the south and east, 孙悦 for the north), two reps and their sales lead, and finance — plus the group chat that is the "war room", and
 * the management group where the weekly digest goes.
 */
export interface DemoDirectory {
  app: EmuApp;
  users: Record<'director' | 'sdr' | 'sdrNorth' | 'salesLead' | 'repLi' | 'repHan' | 'finance', EmuUser>;
  chat: EmuChat;
  /** 管理层周报群: the directors and finance */
  managementChat: EmuChat;
  /** the same company on DingTalk: its app (with robot), the people's userIds (销售团队's 钉钉ID), the two groups */
  dingtalk: { app: DtApp; users: Record<keyof DemoDirectory['users'], DtUser>; chat: DtGroup; managementChat: DtGroup };
}

/** The demo people's DingTalk userIds: fixed, so the 钉钉ID column reads the same at every start. */
const DINGTALK_IDS: Record<keyof DemoDirectory['users'], string> = { director: '0211230001', salesLead: '0211230002', sdr: '0211230003', repLi: '0211230004', repHan: '0211230005', finance: '0211230006', sdrNorth: '0211230007' };

export function seedDemoDirectory(k: EmuKernel, app: EmuApp): DemoDirectory {
  const d = k.directory;
  const director = d.addUser({ name: '王敏', en_name: 'Wang Min', email: 'wangmin@demo.example', job_title: '市场总监' });
  const salesLead = d.addUser({ name: '陈静', en_name: 'Chen Jing', email: 'chenjing@demo.example', job_title: '销售总监' });
  const sdr = d.addUser({ name: '张伟', en_name: 'Zhang Wei', email: 'zhangwei@demo.example', job_title: '销售开发代表', leader_open_id: director.open_id });
  const sdrNorth = d.addUser({ name: '孙悦', en_name: 'Sun Yue', email: 'sunyue@demo.example', job_title: '销售开发代表', leader_open_id: director.open_id });
  const repLi = d.addUser({ name: '李雷', en_name: 'Li Lei', email: 'lilei@demo.example', job_title: '销售', leader_open_id: salesLead.open_id });
  const repHan = d.addUser({ name: '韩梅梅', en_name: 'Han Meimei', email: 'hanmeimei@demo.example', job_title: '销售', leader_open_id: salesLead.open_id });
  const finance = d.addUser({ name: '刘洋', en_name: 'Liu Yang', email: 'liuyang@demo.example', job_title: '财务' });
  const users = { director, sdr, sdrNorth, salesLead, repLi, repHan, finance };
  const chat = d.addChat({ name: '线索作战群', members: Object.values(users).map((u) => u.open_id), bots: [app.app_id] });
  const managementChat = d.addChat({ name: '管理层周报群', members: [director.open_id, salesLead.open_id, finance.open_id], bots: [app.app_id] });
  return { app, users, chat, managementChat, dingtalk: seedDemoDingTalk(k, users) };
}

function seedDemoDingTalk(k: EmuKernel, users: DemoDirectory['users']): DemoDirectory['dingtalk'] {
  const org = dingTalkOf(k).org;
  const app = org.addApp({ name: '线索旅程（沙箱）' });
  const dt = Object.fromEntries(Object.entries(users).map(([key, u]) => [key, org.addUser({ name: u.name, userId: DINGTALK_IDS[key as keyof typeof DINGTALK_IDS] })])) as DemoDirectory['dingtalk']['users'];
  const chat = org.addGroup({ title: '线索作战群', members: Object.values(dt).map((u) => u.userId), robots: [app.robotCode] });
  const managementChat = org.addGroup({ title: '管理层周报群', members: [dt.director.userId, dt.salesLead.userId, dt.finance.userId], robots: [app.robotCode] });
  return { app, users: dt, chat, managementChat };
}
