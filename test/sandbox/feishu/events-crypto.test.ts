import { quietLogger } from '../../support/feishu-emulator.js';
import * as lark from '@larksuiteoapi/node-sdk';
import { createDecipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aesDecrypt, aesEncrypt, larkSignature, legacyCardSignature } from '../../../src/sandbox/feishu/events/crypto.js';

const silent = quietLogger();

describe('events crypto (docs/platform/feishu.md §3.3–3.4)', () => {
  it('decrypts the documented test vector', () => {
    expect(aesDecrypt('P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=', 'test key')).toBe('hello world');
    // and so does the SDK's own cipher, so both sides agree on the scheme
    expect(new lark.AESCipher('test key').decrypt('P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=')).toBe('hello world');
  });

  it('encrypts with a random IV prefix; the SDK and plain node:crypto decrypt it', () => {
    const plain = JSON.stringify({ schema: '2.0', header: { event_id: 'e1' }, event: { text: '线索 ✓' } });
    const a = aesEncrypt(plain, 'k-1');
    const b = aesEncrypt(plain, 'k-1');
    expect(a).not.toBe(b); // fresh IV each time
    expect(aesDecrypt(a, 'k-1')).toBe(plain);
    expect(new lark.AESCipher('k-1').decrypt(b)).toBe(plain);
    // independent: key = SHA-256(encryptKey), IV = first 16 bytes, PKCS#7
    const buf = Buffer.from(a, 'base64');
    expect((buf.length - 16) % 16).toBe(0);
    const d = createDecipheriv('aes-256-cbc', createHash('sha256').update('k-1').digest(), buf.subarray(0, 16));
    expect(Buffer.concat([d.update(buf.subarray(16)), d.final()]).toString('utf8')).toBe(plain);
  });

  it('refuses the wrong key and garbage', () => {
    const enc = aesEncrypt('hello world', 'right');
    expect(() => aesDecrypt(enc, 'wrong')).toThrow();
    expect(() => aesDecrypt('bm90IGEgYmxvYg==', 'right')).toThrow(/IV-prefixed/);
  });

  it('signs sha256(timestamp + nonce + encryptKey + rawBody) as hex — known answers computed elsewhere', () => {
    expect(larkSignature('1700000000', 'nonce-abc', 'my-encrypt-key', '{"encrypt":"abc"}')).toBe('bf57636269ff2d1fdb00586bad39c8f7308d6781e68cad62d6f31b66549a03e1');
    expect(larkSignature('1700000000', 'nonce-abc', 'key', '{"text":"你好"}')).toBe('eda47b0af37599d958c062eb2c64b9bc6142991bcb2cc6ddc91f4d4656676e50');
    expect(legacyCardSignature('1700000000', 'nonce-abc', 'vtoken', '{"a":1}')).toBe('f6eb99f2f630c460c601775c5e7ae37f39a22db8');
  });

  it('a signature the SDK EventDispatcher accepts, and one flipped byte it rejects', async () => {
    const body = JSON.stringify({ encrypt: aesEncrypt(JSON.stringify({ schema: '2.0', header: { event_type: 'x.y' }, event: { n: 1 } }), 'ek') });
    const headers = { 'x-lark-request-timestamp': '1700000000', 'x-lark-request-nonce': 'n1', 'x-lark-signature': larkSignature('1700000000', 'n1', 'ek', body) };
    const seen: unknown[] = [];
    const d = new lark.EventDispatcher({ encryptKey: 'ek', logger: silent, loggerLevel: lark.LoggerLevel.error }).register({ 'x.y': async (data: unknown) => void seen.push(data) } as never);
    await d.invoke(Object.assign(Object.create({ headers }), JSON.parse(body)));
    expect(seen).toHaveLength(1);
    expect((seen[0] as { n: number }).n).toBe(1);
    const bad = { ...headers, 'x-lark-signature': headers['x-lark-signature'].replace(/^./, (c) => (c === '0' ? '1' : '0')) };
    expect(await d.invoke(Object.assign(Object.create({ headers: bad }), JSON.parse(body)))).toBeUndefined();
    expect(seen).toHaveLength(1);
  });
});
