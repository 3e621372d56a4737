import { describe, expect, it } from 'vitest';
import { maskPhone } from '../../src/domain/mask.js';

/** A card shows enough of a phone number to recognise it, never enough to call it. */
describe('maskPhone', () => {
  it.each([
    ['13800138000', '138****8000'],
    ['138 0013 8000', '138****8000'],
    ['+86 138-0013-8000', '+86 138****8000'],
    ['+8613800138000', '+86 138****8000'],
    ['021-64381234', '021****1234'],
    ['0086 13800138000', '+86 138****8000'],
    ['+852 9123 4567', '+852 91**4567'],
    ['+49 30 1234567', '+*******4567'],
    ['12345', '*****'],
    ['', ''],
    [null, ''],
    [undefined, ''],
    ['电话稍后补充', '****'],
  ])('%s → %s', (input, out) => {
    expect(maskPhone(input)).toBe(out);
  });

  it('a mobile number shows its first three and last four digits, the middle four masked', () => {
    for (let i = 0; i < 500; i++) {
      const n = `1${3 + (i % 7)}${String(i * 7_919_123)
        .padStart(9, '0')
        .slice(-9)}`;
      expect(n).toHaveLength(11);
      expect(maskPhone(n)).toBe(`${n.slice(0, 3)}****${n.slice(-4)}`);
      expect(maskPhone(`+86 ${n}`)).toBe(`+86 ${n.slice(0, 3)}****${n.slice(-4)}`);
    }
  });
});
