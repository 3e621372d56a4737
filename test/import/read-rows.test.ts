import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { readRows, sniffEncoding } from '../../src/import/read-rows.js';
import { gbkBytes as gbk } from '../support/import-files.js';

const dir = mkdtempSync(join(tmpdir(), 'lj-read-rows-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CSV = '公司名称,联系人,电话,需求描述\n星河云科技有限公司,周敏,139 1234 5678,"设备联网, 预测维护"\n青松家居,林涛,0755-8888 6666,\n\n,,,\n';
const EXPECTED = [
  { row: 2, cells: { 公司名称: '星河云科技有限公司', 联系人: '周敏', 电话: '139 1234 5678', 需求描述: '设备联网, 预测维护' } },
  { row: 3, cells: { 公司名称: '青松家居', 联系人: '林涛', 电话: '0755-8888 6666' } },
];
const all = async (file: string) => {
  const out = [];
  for await (const r of readRows(file)) if (Object.keys(r.cells).length) out.push(r);
  return out;
};

/** The rows of the files people export (issue 10 item 4). */
describe('reading spreadsheets', () => {
  it('UTF-8 with a BOM, without one, and GBK read the same; quoted commas and empty rows are handled', async () => {
    writeFileSync(join(dir, 'bom.csv'), `\uFEFF${CSV}`);
    writeFileSync(join(dir, 'plain.csv'), CSV);
    writeFileSync(join(dir, 'gbk.csv'), gbk(CSV));
    expect(await sniffEncoding(join(dir, 'gbk.csv'))).toBe('gbk');
    expect(await sniffEncoding(join(dir, 'plain.csv'))).toBe('utf-8');
    for (const f of ['bom.csv', 'plain.csv', 'gbk.csv']) expect(await all(join(dir, f)), f).toEqual(EXPECTED);
  });

  it('an .xlsx first sheet reads the same, numbers as people see them (a phone typed as a number)', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('线索');
    ws.addRow(['公司名称', '联系人', '电话', '需求描述']);
    ws.addRow(['星河云科技有限公司', '周敏', '139 1234 5678', '设备联网, 预测维护']);
    ws.addRow(['青松家居', { richText: [{ text: '林' }, { text: '涛' }] }, '0755-8888 6666', null]);
    ws.addRow(['远航智能', '赵磊', 13800139999, '']);
    wb.addWorksheet('其他').addRow(['x']);
    await wb.xlsx.writeFile(join(dir, 'leads.xlsx'));
    const rows = await all(join(dir, 'leads.xlsx'));
    expect(rows.slice(0, 2)).toEqual(EXPECTED);
    expect(rows[2]).toEqual({ row: 4, cells: { 公司名称: '远航智能', 联系人: '赵磊', 电话: '13800139999' } });
  });

  it('refuses other files, saying which', async () => {
    writeFileSync(join(dir, 'x.xls'), 'x');
    await expect(all(join(dir, 'x.xls'))).rejects.toThrow('只能导入 .csv 或 .xlsx 文件');
  });
});
