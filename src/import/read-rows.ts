import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { Transform } from 'node:stream';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';

/**
 * The rows of a spreadsheet people export (docs/intake.md#import): a CSV file, streamed, in UTF-8 (with
 * or without a BOM) or GBK (what Excel on a Chinese Windows writes), or the first sheet of an .xlsx file,
 * streamed with exceljs. The first row is the header. Each row comes with its row number as the
 * spreadsheet shows it (the header is row 1) and its cells as text by header, empty cells left out.
 * `onBytes` reports how much of the file has been read (for a progress bar).
 */
export type Encoding = 'utf-8' | 'gbk';
export interface SheetRow {
  row: number;
  cells: Record<string, string>;
}

export async function* readRows(file: string, o: { encoding?: Encoding | undefined; onBytes?: (read: number) => void } = {}): AsyncGenerator<SheetRow> {
  const ext = extname(file).toLowerCase();
  if (ext === '.xlsx') yield* readXlsx(file, o.onBytes);
  else if (ext === '.csv' || ext === '.txt') yield* readCsv(file, o.encoding ?? (await sniffEncoding(file)), o.onBytes);
  else throw new Error(`只能导入 .csv 或 .xlsx 文件 / only .csv and .xlsx files can be imported: ${file}`);
}

/** UTF-8 when the file starts with its BOM or its first 64 KB decode as UTF-8; otherwise GBK. */
export async function sniffEncoding(file: string): Promise<Encoding> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead);
    if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true }); // a character cut at the end is not an error
      return 'utf-8';
    } catch {
      return 'gbk';
    }
  } finally {
    await fh.close();
  }
}

function counted(file: string, onBytes?: (read: number) => void) {
  let read = 0;
  const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
  if (onBytes)
    stream.on('data', (chunk) => {
      read += chunk.length;
      onBytes(read);
    });
  return stream;
}

async function* readCsv(file: string, encoding: Encoding, onBytes?: (read: number) => void): AsyncGenerator<SheetRow> {
  const decoder = new TextDecoder(encoding, { fatal: false });
  const decode = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      cb(null, decoder.decode(chunk, { stream: true }));
    },
    flush(cb) {
      cb(null, decoder.decode());
    },
  });
  const parser = counted(file, onBytes)
    .pipe(decode)
    .pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, trim: true, info: true }));
  let header: string[] | undefined;
  for await (const rec of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if (!header) {
      header = rec.record.map((h) => h.replace(/^\uFEFF/, '').trim());
      continue;
    }
    yield { row: rec.info.lines, cells: cellsOf(header, rec.record) };
  }
}

async function* readXlsx(file: string, onBytes?: (read: number) => void): AsyncGenerator<SheetRow> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(counted(file, onBytes), { sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'ignore', worksheets: 'emit', entries: 'emit' });
  for await (const sheet of reader) {
    let header: string[] | undefined;
    for await (const row of sheet) {
      const values = (row.values as unknown[]).slice(1).map(cellText);
      if (!header) {
        header = values.map((h) => h.trim());
        continue;
      }
      if (values.every((v) => !v.trim())) continue;
      yield { row: row.number, cells: cellsOf(header, values) };
    }
    return; // the first sheet only
  }
}

function cellsOf(header: string[], values: string[]): Record<string, string> {
  const cells: Record<string, string> = {};
  header.forEach((h, i) => {
    const v = values[i]?.trim();
    if (h && v && !Object.hasOwn(cells, h)) cells[h] = v;
  });
  return cells;
}

/** An Excel cell as the text a person sees: numbers without exponent, dates in ISO, rich text joined, a formula's result. */
function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toFixed(0) : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    const o = v as { richText?: Array<{ text: string }>; result?: unknown; text?: unknown; error?: string };
    if (o.richText) return o.richText.map((r) => r.text).join('');
    if ('result' in o) return cellText(o.result);
    if ('text' in o) return cellText(o.text);
    if (o.error) return '';
  }
  return String(v);
}
