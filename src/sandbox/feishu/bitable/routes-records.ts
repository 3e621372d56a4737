import { FeishuApiError, ok } from '../kernel/errors.js';
import type { EmuContext, EmuKernel } from '../kernel/kernel.js';
import { LIMITS } from './config.js';
import { API_PREFIX, arrayOf, clientToken, jsonBody, pageSize, pageToken, param, queryBool, userIdType } from './request-params.js';
import type { BitableService, WriteOptions } from './service.js';

/** Record routes (docs/platform/feishu.md §2.4–2.6). Writes count against bitable.write (50/s), reads bitable.read (20/s). */
export function registerRecordRoutes(k: EmuKernel, svc: BitableService): void {
  const R = `${API_PREFIX}/tables/:table_id/records`;
  const ids = (c: EmuContext) => [param(c, 'app_token'), param(c, 'table_id')] as const;
  const writeOpts = (c: EmuContext): WriteOptions => {
    const token = clientToken(c);
    return {
      operator: svc.appOperator(c.get('appId')),
      userIdType: userIdType(c.req.query('user_id_type')),
      consistencyCheck: !queryBool(c, 'ignore_consistency_check'),
      ...(token ? { clientToken: token } : {}),
    };
  };
  const capped = (records: unknown[], cap: number) => {
    if (records.length === 0) throw new FeishuApiError(99992402, 'field validation failed', undefined, 'records must not be empty');
    if (records.length > cap) throw new FeishuApiError(1254104, 'RecordAddOnceExceedLimit', undefined, `at most ${cap} records per call`);
    return records;
  };

  k.route({ method: 'POST', path: `${R}/search`, key: 'bitable.record.search', rate: ['bitable.read'] }, async (c) => {
    const size = pageSize(c, LIMITS.searchPageDefault, LIMITS.searchPageMax, 1254011);
    const token = pageToken(c);
    const body = await jsonBody(c);
    const res = svc.search(...ids(c), body, { pageSize: size, ...(token ? { pageToken: token } : {}) }, { userIdType: userIdType(c.req.query('user_id_type')), consistencyCheck: true });
    return ok(c, res);
  });

  k.route({ method: 'POST', path: `${R}/batch_get`, key: 'bitable.record.batch_get', rate: ['bitable.read'] }, async (c) => {
    const body = await jsonBody(c);
    const recordIds = arrayOf(body, 'record_ids');
    if (recordIds.length === 0 || recordIds.length > LIMITS.batchGet || !recordIds.every((r) => typeof r === 'string')) {
      throw new FeishuApiError(99992402, 'field validation failed', undefined, `record_ids must hold 1–${LIMITS.batchGet} ids`);
    }
    const res = svc.batchGet(...ids(c), recordIds as string[], {
      userIdType: userIdType(body.user_id_type),
      automaticFields: body.automatic_fields === true,
      withSharedUrl: body.with_shared_url === true,
      consistencyCheck: true,
    });
    return ok(c, { ...res, forbidden_record_ids: [] });
  });

  k.route({ method: 'POST', path: `${R}/batch_create`, key: 'bitable.record.batch_create', rate: ['bitable.write'] }, async (c) => {
    const o = writeOpts(c);
    const records = capped(arrayOf(await jsonBody(c), 'records'), svc.config.batchCap);
    return ok(c, { records: await svc.createRecords(...ids(c), records, o) });
  });

  k.route({ method: 'POST', path: `${R}/batch_update`, key: 'bitable.record.batch_update', rate: ['bitable.write'] }, async (c) => {
    const o = writeOpts(c);
    const records = capped(arrayOf(await jsonBody(c), 'records'), svc.config.batchCap);
    return ok(c, { records: await svc.updateRecords(...ids(c), records, o) });
  });

  k.route({ method: 'POST', path: `${R}/batch_delete`, key: 'bitable.record.batch_delete', rate: ['bitable.write'] }, async (c) => {
    const o = writeOpts(c);
    const records = capped(arrayOf(await jsonBody(c), 'records'), LIMITS.batchDelete);
    if (!records.every((r) => typeof r === 'string')) throw new FeishuApiError(99992402, 'field validation failed', undefined, 'records must be record ids');
    return ok(c, { records: await svc.deleteRecords(...ids(c), records as string[], { ...o, missing: 'report' }) });
  });

  k.route({ method: 'POST', path: R, key: 'bitable.record.create', rate: ['bitable.write'] }, async (c) => {
    const o = writeOpts(c);
    const body = await jsonBody(c);
    const [record] = await svc.createRecords(...ids(c), [body], o);
    return ok(c, { record });
  });

  k.route({ method: 'GET', path: `${R}/:record_id`, key: 'bitable.record.get', rate: ['bitable.read'] }, (c) => {
    const record = svc.getRecord(...ids(c), param(c, 'record_id'), {
      userIdType: userIdType(c.req.query('user_id_type')),
      textAsArray: queryBool(c, 'text_field_as_array'),
      automaticFields: queryBool(c, 'automatic_fields'),
      withSharedUrl: queryBool(c, 'with_shared_url'),
      consistencyCheck: true,
    });
    return ok(c, { record });
  });

  k.route({ method: 'PUT', path: `${R}/:record_id`, key: 'bitable.record.update', rate: ['bitable.write'] }, async (c) => {
    const o = writeOpts(c);
    const body = await jsonBody(c);
    const [record] = await svc.updateRecords(...ids(c), [{ ...body, record_id: param(c, 'record_id') }], o);
    return ok(c, { record });
  });

  k.route({ method: 'DELETE', path: `${R}/:record_id`, key: 'bitable.record.delete', rate: ['bitable.write'] }, async (c) => {
    const o = writeOpts(c);
    const [res] = await svc.deleteRecords(...ids(c), [param(c, 'record_id')], { ...o, missing: 'error' });
    return ok(c, res);
  });
}
