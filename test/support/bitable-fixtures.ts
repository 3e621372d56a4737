import { bitableModule, getBitable } from '../../src/sandbox/feishu/bitable/module.js';
import type { BitableService } from '../../src/sandbox/feishu/bitable/service.js';
import type { BaseTemplate, CreatedBase } from '../../src/sandbox/feishu/bitable/template.js';
import type { EmuUser } from '../../src/sandbox/feishu/kernel/directory.js';
import type * as lark from '@larksuiteoapi/node-sdk';
import { sdkClient, startEmulator, type StartedEmulator, type StartOptions } from './feishu-emulator.js';

/** An emulator with only the Bitable module, its in-process service, and two people. */
export interface BitableEmulator extends StartedEmulator {
  svc: BitableService;
  alice: EmuUser;
  bob: EmuUser;
  /** Create a base through the control API (the only non-SDK setup path). */
  createBase(template: BaseTemplate): Promise<CreatedBase>;
  /** table_id of template table `key` in `base` */
  tableId(base: CreatedBase, key: string): string;
  fieldId(base: CreatedBase, key: string, name: string): string;
}

export async function startBitable(opts: Omit<StartOptions, 'modules'> = {}): Promise<BitableEmulator> {
  const started = await startEmulator({ ...opts, modules: [bitableModule] });
  const alice = started.emu.kernel.directory.addUser({ name: '张敏', en_name: 'Min Zhang', email: 'min@example.com' });
  const bob = started.emu.kernel.directory.addUser({ name: '李雷', en_name: 'Lei Li' });
  const svc = getBitable(started.emu.kernel);
  // Most suites are not about throttling; keep the default limits out of their way.
  started.emu.kernel.rates.setEnabled(false);
  return {
    ...started,
    svc,
    alice,
    bob,
    async createBase(template) {
      const res = await started.control<CreatedBase>('POST', '/bases', { template });
      if (res.status !== 201) throw new Error(`createBase failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    tableId(base, key) {
      const t = base.tables.find((x) => x.key === key);
      if (!t) throw new Error(`no table ${key}`);
      return t.table_id;
    },
    fieldId(base, key, name) {
      const f = base.tables.find((x) => x.key === key)?.fields.find((x) => x.field_name === name);
      if (!f) throw new Error(`no field ${key}.${name}`);
      return f.field_id;
    },
  };
}

/** A "Leads" table with one field of every writable type this project uses, plus automatic fields. */
export const LEADS_TEMPLATE: BaseTemplate = {
  name: '线索旅程',
  tables: [
    { key: 'accounts', name: 'Accounts', fields: [{ field_name: 'Account', type: 1 }] },
    {
      key: 'leads',
      name: 'Leads',
      fields: [
        { field_name: 'Name', type: 1 },
        { field_name: 'Score', type: 2 },
        { field_name: 'Stage', type: 3, property: { options: [{ name: 'New' }, { name: 'MQL' }, { name: 'SQL' }] } },
        { field_name: 'Tags', type: 4, property: { options: [{ name: 'vip' }, { name: 'cn' }] } },
        { field_name: 'Due', type: 5 },
        { field_name: 'Qualified', type: 7 },
        { field_name: 'Owner', type: 11 },
        { field_name: 'Phone', type: 13 },
        { field_name: 'Website', type: 15 },
        { field_name: 'Account', type: 18, property: { table_id: 'accounts' } },
        { field_name: 'Email', type: 1, ui_type: 'Email' },
        { field_name: 'Notes', type: 1 },
        { field_name: 'Days open', type: 20, property: { formula_expression: 'TODAY()-bitable::$table[tbl].$field[fld]' } },
        { field_name: 'Created', type: 1001 },
        { field_name: 'Modified', type: 1002 },
        { field_name: 'Creator', type: 1003 },
        { field_name: 'Editor', type: 1004 },
        { field_name: 'No.', type: 1005 },
      ],
    },
  ],
};

/**
 * Outcome of an SDK call, whether the SDK resolved (HTTP 2xx, maybe code != 0) or threw an AxiosError
 * (non-2xx; docs/platform/feishu.md#54-errors-and-retries).
 */
export interface Outcome<T = unknown> {
  status: number;
  code: number | undefined;
  msg?: string;
  data?: T;
  headers: Record<string, string>;
  body: unknown;
}

export async function outcome<T>(p: Promise<{ code?: number; msg?: string; data?: T }>): Promise<Outcome<T>> {
  try {
    const res = await p;
    return { status: 200, code: res.code, ...(res.msg !== undefined ? { msg: res.msg } : {}), ...(res.data !== undefined ? { data: res.data } : {}), headers: {}, body: res };
  } catch (e) {
    const r = (e as { response?: { status: number; data: unknown; headers: Record<string, string> } }).response;
    if (!r) throw e;
    const body = r.data as { code?: number; msg?: string } | undefined;
    return { status: r.status, code: body?.code, ...(body?.msg !== undefined ? { msg: body.msg } : {}), headers: { ...r.headers }, body: r.data };
  }
}

/**
 * A new SDK client with an empty token cache. Needed after moving the emulator clock past the token's
 * lifetime: the SDK caches by real time and never drops a token the server rejects (docs/platform/feishu.md#1-tenant-access-token).
 */
export function freshClient(emu: StartedEmulator): lark.Client {
  return sdkClient(emu.url, emu.app, { log: emu.sdkLog });
}
