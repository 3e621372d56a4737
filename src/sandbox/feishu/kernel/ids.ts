import { randomBytes, randomUUID } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random alphanumerics, shaped like Feishu's ids (docs/platform/feishu.md#id-shapes). */
export function randomAlnum(n: number): string {
  const bytes = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[bytes[i]! % ALNUM.length];
  return s;
}

const hex = (n: number) =>
  randomBytes(Math.ceil(n / 2))
    .toString('hex')
    .slice(0, n);

export const newId = {
  appToken: () => randomAlnum(27),
  table: () => `tbl${randomAlnum(13)}`,
  field: () => `fld${randomAlnum(7)}`,
  option: () => `opt${randomAlnum(7)}`,
  view: () => `vew${randomAlnum(7)}`,
  record: () => `rec${randomAlnum(12)}`,
  tenantToken: () => `t-${hex(40)}`,
  logId: () => `${Date.now().toString().slice(0, 14)}${hex(18).toUpperCase()}`,
  eventId: () => hex(32),
  message: () => `om_${hex(32)}`,
  chat: () => `oc_${hex(32)}`,
  openId: () => `ou_${hex(32)}`,
  unionId: () => `on_${hex(32)}`,
  userId: () => randomAlnum(8).toLowerCase(),
  appId: () => `cli_${hex(16)}`,
  cardToken: () => `c-${hex(40)}`,
  uuid: () => randomUUID(),
};
