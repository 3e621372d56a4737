import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intakeWorld } from '../support/intake-world.js';

const valid = { company: '星河云科技有限公司', contact_name: '周敏', phone: '13912345678', email: 'zhou@xinghe.cn', industry: '制造业', need: '设备联网' };
const FIELDS = ['company', 'contact_name', 'title', 'phone', 'email', 'wechat', 'need', 'source', 'industry', 'size', 'region', '公司名称', '电话'] as const;

/** One request: body bytes or text, headers, and what kind of garbage it is. */
interface Attack {
  kind: string;
  body: string | Uint8Array;
  headers: Record<string, string>;
}

const json = (o: unknown, headers: Record<string, string> = {}, kind = 'json'): Attack => ({ kind, body: JSON.stringify(o), headers });
const text = fc.string({ maxLength: 30 });
const notText = fc.oneof(fc.constant(null), fc.boolean(), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 3 }));

/**
 * The intake API under 10,000 malformed or hostile requests (issue 10, "Done when"): each is answered
 * 4xx with a message, none 5xx, no lead or row is half-made, and the server still takes a good lead.
 */
describe('POST /api/leads under hostile input', () => {
  it('10,000 malformed or hostile payloads: every one 4xx with a clear message, no 5xx, no partial rows, still healthy', async () => {
    const w = await intakeWorld();
    // leads sent before under these keys: a replay with another body must be refused
    const keys = ['k0', 'k1', 'k2'];
    for (const [i, k] of keys.entries()) expect((await w.post({ ...valid, phone: `1380000000${i}`, email: `k${i}@x.cn` }, { 'idempotency-key': k })).status).toBe(202);
    const before = await w.snapshot();

    const attacks: fc.Arbitrary<Attack> = fc.oneof(
      fc.record({ f: fc.constantFrom(...FIELDS), v: notText }).map(({ f, v }) => json({ ...valid, [f]: v }, {}, 'wrong type')),
      fc.record({ f: fc.constantFrom('company', 'contact_name', 'title', 'wechat'), n: fc.integer({ min: 201, max: 5000 }) }).map(({ f, n }) => json({ ...valid, [f]: 'あ'.repeat(n) }, {}, 'too long')),
      fc.integer({ min: 2001, max: 20_000 }).map((n) => json({ ...valid, need: 'x'.repeat(n) }, {}, 'too long need')),
      fc
        .record({ f: fc.constantFrom('company', 'contact_name', 'need'), c: fc.integer({ min: 0, max: 31 }).filter((c) => c !== 9 && c !== 10 && c !== 13), s: text })
        .map(({ f, c, s }) => json({ ...valid, [f]: `${s}${String.fromCharCode(c)}${s}` }, {}, 'control')),
      fc.constantFrom('company', 'need').map((f) => ({ kind: 'lone surrogate', body: JSON.stringify({ ...valid, [f]: 'X' }).replace('"X"', '"a\\ud800b"'), headers: {} })),
      fc.record({ f: fc.constantFrom('industry', 'size', 'region', 'source', 'activity'), s: fc.string({ minLength: 1, maxLength: 10 }) }).map(({ f, s }) => json({ ...valid, [f]: `不存在的选项${s}` }, {}, 'option')),
      fc.string({ minLength: 1, maxLength: 20 }).map((s) => json({ ...valid, phone: `电话${s}` }, {}, 'phone')),
      fc.string({ maxLength: 20 }).map((s) => json({ ...valid, email: `${s.replace(/@/g, '')}@` }, {}, 'email')),
      fc.subarray(['company', 'contact_name', 'phone', 'email'] as const, { minLength: 0 }).map((keep) => {
        const o: Record<string, string> = { need: '了解一下' };
        for (const k of keep) if (k === 'company' || k === 'contact_name') o[k] = valid[k];
        return json(o, {}, 'no contact');
      }),
      fc.uint8Array({ minLength: 1, maxLength: 8 }).map((junk) => {
        const head = new TextEncoder().encode('{"company":"');
        const tail = new TextEncoder().encode('","phone":"13912345678"}');
        return { kind: 'bad utf-8', body: new Uint8Array([...head, 0xff, ...junk, 0xc3, ...tail]), headers: {} };
      }),
      fc.integer({ min: 1, max: 40 }).map((n) => ({ kind: 'truncated json', body: JSON.stringify(valid).slice(0, n), headers: {} })),
      fc.oneof(fc.constant('[]'), fc.constant('null'), fc.constant('42'), fc.constant('"星河"'), fc.constant('true')).map((b) => ({ kind: 'not an object', body: b, headers: {} })),
      fc.constantFrom('text/plain', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=gbk', '').map((ct) => json(valid, { 'content-type': ct }, 'content type')),
      fc.oneof(fc.constant(''), fc.string({ maxLength: 60 }), fc.constant(`Bearer lj_abcdefghij_${'A'.repeat(43)}`)).map((auth) => json(valid, { authorization: auth }, 'credential')),
      fc
        .string({ maxLength: 88 })
        .map((sig) => json(valid, { authorization: '', 'x-source-id': w.fair.id, 'webhook-id': 'msg_x', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': `v1,${sig}` }, 'forged signature')),
      fc.record({ k: fc.constantFrom(...keys), p: fc.integer({ min: 10, max: 99 }) }).map(({ k, p }) => json({ ...valid, phone: `139000000${p}` }, { 'idempotency-key': k }, 'replayed key')),
      fc.integer({ min: 65 * 1024, max: 200 * 1024 }).map((n) => {
        const b = JSON.stringify({ ...valid, need: 'x'.repeat(n) });
        return { kind: 'too large', body: b, headers: { 'content-length': String(Buffer.byteLength(b)) } };
      }),
      fc.constant(json({ ...valid, 公司名称: '另一个名字' }, {}, 'field twice')),
      fc
        .string({ minLength: 1, maxLength: 201 })
        .map((k) => k.replace(/[\r\n]/g, ' ').trim())
        .filter((k) => !/^[\x21-\x7e]{1,200}$/.test(k))
        .map((k) => json(valid, { 'idempotency-key': k }, 'bad key')),
    );

    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(attacks, async (a) => {
        let r: Awaited<ReturnType<typeof w.post>>;
        try {
          r = await w.post(a.body, a.headers);
        } catch (e) {
          // a header value the fetch API itself refuses never reaches a server
          if (e instanceof TypeError && /header/i.test(e.message)) return;
          throw e;
        }
        seen.set(a.kind, (seen.get(a.kind) ?? 0) + 1);
        expect(r.status, `${a.kind}: ${JSON.stringify(r.json)}`).toBeGreaterThanOrEqual(400);
        expect(r.status, a.kind).toBeLessThan(500);
        expect(typeof r.json?.message, a.kind).toBe('string');
        expect(r.json.message.length).toBeGreaterThan(2);
      }),
      { numRuns: 10_000, seed: 20261204 },
    );
    expect(seen.size).toBeGreaterThanOrEqual(18); // every kind of garbage was tried
    const after = await w.snapshot();
    expect(after.leads).toEqual(before.leads); // no partial rows
    expect(after.outbox).toEqual(before.outbox);
    expect(after.timers).toEqual(before.timers);
    expect((await w.post({ ...valid, phone: '13700007777', email: 'ok@x.cn' })).status).toBe(202); // still healthy
  }, 120_000);
});
