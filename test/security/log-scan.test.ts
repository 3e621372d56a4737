import { describe, expect, it } from 'vitest';
import { scanLogLines } from '../support/log-scan.js';

/**
 * The scan `npm test` runs over its whole log output (docs/reliability.md#log-hygiene): it must find
 * each thing no log may hold, and must not cry wolf on what logs hold every day.
 */
describe('the log scan', () => {
  const what = (line: string, secrets: string[] = []) => scanLogLines([line], secrets).map((f) => f.what);

  it.each([
    ['{"msg":"token","tenant_access_token":"t-0123456789abcdef0123456789abcdef01234567"}', 'a Feishu tenant access token'],
    ['{"msg":"key made","key":"lj_ab12cd34ef_3Mns9c-DRdR8SGIWpj2lO01t1lNM3gzWVaeQd7Oj2Ro"}', 'an intake API key'],
    ['{"secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}', 'a Standard Webhooks secret'],
    ['{"headers":{"authorization":"Bearer u-abcdefghijklmnopqrstuvwxyz0123456789"}}', 'a Bearer credential'],
    ['{"msg":"lead","phone":"13812345678"}', 'a full mobile number'],
    ['{"msg":"lead","phone":"+86 13812345678"}', 'a full mobile number'],
    ['{"msg":"电话13812345678已登记"}', 'a full mobile number'],
    ['{"msg":"lead","email":"zhou.min@xinghe-cloud.cn"}', 'an e-mail address'],
  ])('finds %s', (line, kind) => {
    expect(what(line)).toContain(kind);
  });

  it('finds a secret a test registered, wherever it sits', () => {
    expect(what('{"msg":"config","x":"prefix-sweep-encrypt-key-suffix"}', ['sweep-encrypt-key'])).toEqual(['a secret a test registered']);
  });

  it.each([
    '{"msg":"lead","phone":"138****5678"}',
    '{"time":"2026-12-04T08:00:00.000Z","at":1796371200000,"ts":1796371200}',
    '{"record":"recA13812345678b","open_id":"ou_13812345678abcdef0123456789abcdef","event_id":"0123456789abcdef13812345678abcde"}',
    '{"msg":"loaded @larksuiteoapi/node-sdk@1.74.0 and dingtalk-stream@2.1.5"}',
    '{"authorization":"[redacted]","header":"Bearer [redacted]"}',
    '{"lead":"XS-000123","count":13812345678901}',
  ])('leaves alone %s', (line) => {
    expect(what(line)).toEqual([]);
  });
});
