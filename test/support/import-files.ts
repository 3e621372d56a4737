import { writeFileSync } from 'node:fs';
import ExcelJS from 'exceljs';

/**
 * Spreadsheets as people export them, for import tests and the benchmark: n leads with distinct
 * companies and phones (row i: 导入公司i, 139 + i), a Chinese header, a few columns the API does not
 * know, and `bad` rows the server must refuse (a phone that is no phone).
 */
export const HEADER = ['公司名称', '联系人', '电话', '邮箱', '行业', '来源渠道', '备注', '客户等级'];

export function leadRow(i: number): string[] {
  return [
    `导入公司${i}`,
    `联系人${i}`,
    `139 ${String(i)
      .padStart(8, '0')
      .replace(/(\d{4})(\d{4})/, '$1 $2')}`,
    i % 3 === 0 ? `user${i}@example.cn` : '',
    i % 2 ? '制造业' : '零售',
    '内容下载',
    `第 ${i} 行`,
    'A',
  ];
}

export function badRow(i: number): string[] {
  return [`坏行公司${i}`, '某人', `电话${i}`, '', '', '', '', ''];
}

const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Rows `from`..`from+n-1`, with a bad row every `badEvery` (0: none). */
export function leadsCsv(n: number, o: { from?: number; badEvery?: number } = {}): string {
  const lines = [HEADER.join(',')];
  for (let i = o.from ?? 1; i < (o.from ?? 1) + n; i++) lines.push((o.badEvery && i % o.badEvery === 0 ? badRow(i) : leadRow(i)).map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The same text in GBK, as Excel on a Chinese Windows saves a CSV. */
export function gbkBytes(text: string): Buffer {
  const table = new Map<string, number[]>();
  const dec = new TextDecoder('gbk');
  for (let hi = 0x81; hi <= 0xfe; hi++) for (let lo = 0x40; lo <= 0xfe; lo++) if (lo !== 0x7f) table.set(dec.decode(new Uint8Array([hi, lo])), [hi, lo]);
  return Buffer.from([...text].flatMap((ch) => (ch.charCodeAt(0) < 0x80 ? [ch.charCodeAt(0)] : (table.get(ch) ?? [0x3f]))));
}

export async function writeLeadsXlsx(path: string, n: number, o: { from?: number; badEvery?: number } = {}): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true });
  const ws = wb.addWorksheet('线索');
  ws.addRow(HEADER).commit();
  for (let i = o.from ?? 1; i < (o.from ?? 1) + n; i++) ws.addRow(o.badEvery && i % o.badEvery === 0 ? badRow(i) : leadRow(i)).commit();
  ws.commit();
  await wb.commit();
}

export function writeLeadsCsv(path: string, n: number, o: { from?: number; badEvery?: number; gbk?: boolean; bom?: boolean } = {}): void {
  const text = leadsCsv(n, o);
  writeFileSync(path, o.gbk ? gbkBytes(text) : `${o.bom ? '\uFEFF' : ''}${text}`);
}
