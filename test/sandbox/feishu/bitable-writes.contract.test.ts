import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedBase } from '../../../src/sandbox/feishu/bitable/template.js';
import { LEADS_TEMPLATE, outcome, startBitable, type BitableEmulator } from '../../support/bitable-fixtures.js';

/** Idempotency, batch caps, the per-table write lock and the "not ready" window (docs/platform/feishu.md §2.5–2.7). */
describe('bitable writes (SDK contract)', () => {
  let emu: BitableEmulator;
  let base: CreatedBase;
  let leads: string;
  let accounts: string;
  const path = () => ({ app_token: base.app_token, table_id: leads });
  const count = () => emu.svc.state.table(base.app_token, leads).records.size;

  beforeAll(async () => {
    emu = await startBitable({ clock: { frozenAt: Date.UTC(2025, 0, 15, 4, 0, 0) } });
    base = await emu.createBase(LEADS_TEMPLATE);
    leads = emu.tableId(base, 'leads');
    accounts = emu.tableId(base, 'accounts');
  });
  afterEach(async () => {
    await emu.control('POST', '/bitable/config', { writeLatencyMs: 0, notReadyMs: 0, batchCap: 500 });
  });
  afterAll(() => emu.stop());

  describe('client_token', () => {
    it('the same token returns the same record instead of creating a second one', async () => {
      const token = randomUUID();
      const before = count();
      const a = await emu.client.bitable.v1.appTableRecord.create({ path: path(), params: { client_token: token }, data: { fields: { Name: 'Idem', Score: 1 } } });
      const b = await emu.client.bitable.v1.appTableRecord.create({ path: path(), params: { client_token: token }, data: { fields: { Name: 'Idem', Score: 1 } } });
      expect(a.code).toBe(0);
      expect(b).toEqual(a);
      expect(count()).toBe(before + 1);
      // Keys are member order independent.
      const c = await emu.client.bitable.v1.appTableRecord.create({ path: path(), params: { client_token: token }, data: { fields: { Score: 1, Name: 'Idem' } } });
      expect(c.data!.record!.record_id).toBe(a.data!.record!.record_id);
    });

    it('batch_create is idempotent per token too; a token reused for a different body is 1255006', async () => {
      const token = randomUUID();
      const before = count();
      const records = [{ fields: { Name: 'B1' } }, { fields: { Name: 'B2' } }];
      const a = await emu.client.bitable.v1.appTableRecord.batchCreate({ path: path(), params: { client_token: token }, data: { records } });
      const b = await emu.client.bitable.v1.appTableRecord.batchCreate({ path: path(), params: { client_token: token }, data: { records } });
      expect(b.data!.records!.map((r) => r.record_id)).toEqual(a.data!.records!.map((r) => r.record_id));
      expect(count()).toBe(before + 2);
      const other = await outcome(emu.client.bitable.v1.appTableRecord.batchCreate({ path: path(), params: { client_token: token }, data: { records: [{ fields: { Name: 'B3' } }] } }));
      expect(other).toMatchObject({ status: 400, code: 1255006 });
      expect(count()).toBe(before + 2);
    });

    it('a malformed token (not a uuidv4) is 1254037 and writes nothing', async () => {
      const before = count();
      for (const bad of ['abc', '123e4567-e89b-12d3-a456-426614174000' /* v1 */, `${randomUUID()}x`]) {
        expect(await outcome(emu.client.bitable.v1.appTableRecord.create({ path: path(), params: { client_token: bad }, data: { fields: { Name: 'x' } } }))).toMatchObject({ code: 1254037 });
      }
      expect(count()).toBe(before);
    });
  });

  describe('batch limits', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ fields: { Name: `L${i}` } }));

    it('batch_create refuses 501 records with 1254104 and writes none; 500 is fine', async () => {
      const before = count();
      expect(await outcome(emu.client.bitable.v1.appTableRecord.batchCreate({ path: path(), data: { records: many(501) } }))).toMatchObject({ status: 200, code: 1254104 });
      expect(count()).toBe(before);
      const ok = await emu.client.bitable.v1.appTableRecord.batchCreate({ path: path(), data: { records: many(500) } });
      expect(ok.code).toBe(0);
      expect(ok.data!.records).toHaveLength(500);
      expect(count()).toBe(before + 500);
    });

    it('the cap is configurable (the CN docs allow 1,000)', async () => {
      await emu.control('POST', '/bitable/config', { batchCap: 1000 });
      const ok = await emu.client.bitable.v1.appTableRecord.batchCreate({ path: { app_token: base.app_token, table_id: accounts }, data: { records: Array.from({ length: 501 }, () => ({ fields: { Account: 'x' } })) } });
      expect(ok.code).toBe(0);
    });

    it('batch_update: cap, partial merge per record, and an unknown record fails the whole call', async () => {
      const created = await emu.client.bitable.v1.appTableRecord.batchCreate({ path: path(), data: { records: [{ fields: { Name: 'U1', Score: 1 } }, { fields: { Name: 'U2', Score: 2 } }] } });
      const [u1, u2] = created.data!.records!.map((r) => r.record_id!);
      const upd = await emu.client.bitable.v1.appTableRecord.batchUpdate({
        path: path(),
        data: {
          records: [
            { record_id: u1!, fields: { Score: 10 } },
            { record_id: u2!, fields: { Stage: 'SQL' } },
          ],
        },
      });
      expect(upd.code).toBe(0);
      expect(upd.data!.records).toEqual([
        { record_id: u1, id: u1, fields: { Score: 10 } },
        { record_id: u2, id: u2, fields: { Stage: 'SQL' } },
      ]);
      const got = await emu.client.bitable.v1.appTableRecord.batchGet({ path: path(), data: { record_ids: [u1!, u2!] } });
      expect(got.data!.records!.map((r) => [r.fields.Score, r.fields.Stage])).toEqual([
        [10, undefined],
        [2, 'SQL'],
      ]);
      const bad = await outcome(
        emu.client.bitable.v1.appTableRecord.batchUpdate({
          path: path(),
          data: {
            records: [
              { record_id: u1!, fields: { Score: 99 } },
              { record_id: 'recGone', fields: { Score: 1 } },
            ],
          },
        }),
      );
      expect(bad.code).toBe(1254043);
      const after = await emu.client.bitable.v1.appTableRecord.batchGet({ path: path(), data: { record_ids: [u1!] } });
      expect(after.data!.records![0]!.fields.Score).toBe(10);
      const tooMany = Array.from({ length: 501 }, () => ({ record_id: u1!, fields: { Score: 1 } }));
      expect(await outcome(emu.client.bitable.v1.appTableRecord.batchUpdate({ path: path(), data: { records: tooMany } }))).toMatchObject({ code: 1254104 });
    });

    it('batch_delete takes ≤500 ids and reports unknown ones as not deleted', async () => {
      const created = await emu.client.bitable.v1.appTableRecord.batchCreate({ path: path(), data: { records: [{ fields: { Name: 'D1' } }, { fields: { Name: 'D2' } }] } });
      const ids = created.data!.records!.map((r) => r.record_id!);
      const del = await emu.client.bitable.v1.appTableRecord.batchDelete({ path: path(), data: { records: [...ids, 'recGone'] } });
      expect(del.data!.records).toEqual([
        { deleted: true, record_id: ids[0] },
        { deleted: true, record_id: ids[1] },
        { deleted: false, record_id: 'recGone' },
      ]);
      expect(await outcome(emu.client.bitable.v1.appTableRecord.batchDelete({ path: path(), data: { records: Array.from({ length: 501 }, (_, i) => `rec${i}`) } }))).toMatchObject({ code: 1254104 });
    });
  });

  describe('per-table write lock', () => {
    it('overlapping writes to one table: one wins, the rest get 1254291 (HTTP 200); other tables are unaffected', async () => {
      await emu.client.bitable.v1.appTable.list({ path: { app_token: base.app_token } }); // warm the SDK token cache
      await emu.control('POST', '/bitable/config', { writeLatencyMs: 100 });
      const before = count();
      const results = await Promise.all([
        ...Array.from({ length: 4 }, (_, i) => outcome(emu.client.bitable.v1.appTableRecord.create({ path: path(), data: { fields: { Name: `C${i}` } } }))),
        outcome(emu.client.bitable.v1.appTableRecord.create({ path: { app_token: base.app_token, table_id: accounts }, data: { fields: { Account: 'parallel' } } })),
      ]);
      const onLeads = results.slice(0, 4);
      expect(onLeads.filter((r) => r.code === 0)).toHaveLength(1);
      expect(onLeads.filter((r) => r.code === 1254291).map((r) => r.status)).toEqual([200, 200, 200]);
      expect(results[4]!.code).toBe(0);
      expect(count()).toBe(before + 1);
      // Serialised writes all succeed.
      await emu.control('POST', '/bitable/config', { writeLatencyMs: 5 });
      for (let i = 0; i < 3; i++) expect((await emu.client.bitable.v1.appTableRecord.create({ path: path(), data: { fields: { Name: `S${i}` } } })).code).toBe(0);
    });

    it("field changes take the same lock as record writes; a person's edit waits for it instead of failing", async () => {
      const rec = await emu.client.bitable.v1.appTableRecord.create({ path: path(), data: { fields: { Name: 'Locked' } } });
      await emu.control('POST', '/bitable/config', { writeLatencyMs: 150 });
      const [write, field, edit] = await Promise.all([
        outcome(emu.client.bitable.v1.appTableRecord.update({ path: { ...path(), record_id: rec.data!.record!.record_id! }, data: { fields: { Score: 1 } } })),
        (async () => {
          await new Promise((r) => setTimeout(r, 30));
          return outcome(emu.client.bitable.v1.appTableField.create({ path: path(), data: { field_name: 'Late', type: 1 } }));
        })(),
        (async () => {
          await new Promise((r) => setTimeout(r, 30));
          return emu.control('POST', `/bases/${base.app_token}/tables/${leads}/records/${rec.data!.record!.record_id!}/edit`, { operator_open_id: emu.alice.open_id, fields: { Notes: 'hi' } });
        })(),
      ]);
      expect(write.code).toBe(0);
      expect(field.code).toBe(1254291);
      // A person editing in the Feishu UI is not an API caller: the edit lands after the API write, never 1254291.
      expect(edit).toMatchObject({ status: 200 });
      const after = await emu.client.bitable.v1.appTableRecord.get({ path: { ...path(), record_id: rec.data!.record!.record_id! } });
      expect(after.data!.record!.fields).toMatchObject({ Score: 1, Notes: 'hi' });
    });
  });

  describe('data not ready (1254607)', () => {
    it('reads and writes right after a write get 1254607 with HTTP 400 until the window passes; ignore_consistency_check skips it for writes', async () => {
      await emu.control('POST', '/bitable/config', { notReadyMs: 1000 });
      emu.emu.kernel.clock.advance(1000); // the frozen clock has not moved since earlier writes
      const rec = await emu.client.bitable.v1.appTableRecord.create({ path: path(), data: { fields: { Name: 'Fresh' } } });
      const id = rec.data!.record!.record_id!;
      expect(await outcome(emu.client.bitable.v1.appTableRecord.search({ path: path(), data: {} }))).toMatchObject({ status: 400, code: 1254607 });
      expect(await outcome(emu.client.bitable.v1.appTableRecord.batchGet({ path: path(), data: { record_ids: [id] } }))).toMatchObject({ status: 400, code: 1254607 });
      expect(await outcome(emu.client.bitable.v1.appTableRecord.get({ path: { ...path(), record_id: id } }))).toMatchObject({ status: 400, code: 1254607 });
      expect(await outcome(emu.client.bitable.v1.appTableRecord.update({ path: { ...path(), record_id: id }, data: { fields: { Score: 1 } } }))).toMatchObject({ status: 400, code: 1254607 });
      const forced = await emu.client.bitable.v1.appTableRecord.update({ path: { ...path(), record_id: id }, params: { ignore_consistency_check: true }, data: { fields: { Score: 2 } } });
      expect(forced.code).toBe(0);
      // Another table is not affected.
      expect((await emu.client.bitable.v1.appTableRecord.search({ path: { app_token: base.app_token, table_id: accounts }, data: {} })).code).toBe(0);
      emu.emu.kernel.clock.advance(1000);
      const later = await emu.client.bitable.v1.appTableRecord.batchGet({ path: path(), data: { record_ids: [id] } });
      expect(later.data!.records![0]!.fields.Score).toBe(2);
    });
  });
});
