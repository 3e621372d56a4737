import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { e164, emailKey } from '../domain/contact-keys.js';
import { type Encoding, readRows } from './read-rows.js';

/**
 * `npm run import`: a spreadsheet's rows posted to the server's POST /api/leads/batch, 500 at a time,
 * each under the key `import:<the file's hash>:<row>`: a run stopped anywhere (Ctrl-C, SIGKILL, a lost
 * connection) and started again gets the same answers for the rows already taken and goes on, so no row
 * becomes two leads. Rows the server refuses are written to an error report with the reason per row.
 * `dryRun`: the server decides but keeps nothing; rows matching an earlier row of the same file are
 * counted as merged. See docs/intake.md#import.
 */
export interface ImportOptions {
  file: string;
  server: string;
  apiKey: string;
  dryRun?: boolean;
  encoding?: Encoding | undefined;
  batchSize?: number;
  /** rows refused, with why (CSV, UTF-8 with a BOM so Excel opens it) */
  onRejected?: (row: number, reason: string, cells: Record<string, string>) => void;
  onProgress?: (p: { bytes: number; rows: number }) => void;
  /** headers no field takes (reported once) */
  onIgnoredHeaders?: (headers: string[]) => void;
  fetchImpl?: typeof fetch;
  /** wait between attempts when the server is busy or away */
  retryMs?: number;
}

export interface ImportTally {
  rows: number;
  created: number;
  merged: number;
  flagged: number;
  rejected: number;
  /** rows an earlier run already took (their answers replayed) */
  already: number;
}

export class ImportError extends Error {}

/** A header as people write it → the name the API knows (Chinese as it is; English in snake case). */
export const normalizeHeader = (h: string): string =>
  /[\u4e00-\u9fff]/.test(h)
    ? h.trim()
    : h
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, '_');

export async function fileHash(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex').slice(0, 16);
}

export async function runImport(o: ImportOptions): Promise<ImportTally> {
  const tally: ImportTally = { rows: 0, created: 0, merged: 0, flagged: 0, rejected: 0, already: 0 };
  const hash = await fileHash(o.file);
  const size = o.batchSize ?? 500;
  const seen = new Set<string>(); // dry run: the contact keys of rows that would be new leads
  let bytes = 0;
  let headersReported = false;
  let batch: Array<{ row: number; cells: Record<string, string> }> = [];

  async function send(rows: typeof batch): Promise<void> {
    const items = rows.map((r) => ({ key: `import:${hash}:${r.row}`, lead: Object.fromEntries(Object.entries(r.cells).map(([k, v]) => [normalizeHeader(k), v])) }));
    const results = await postBatch(o, { items, ...(o.dryRun ? { dry_run: true } : {}) });
    if (!headersReported) {
      headersReported = true; // the columns no field takes, as the server said of the first batch
      const ignored = [...new Set(results.flatMap((x) => x.ignored ?? []))];
      if (ignored.length) o.onIgnoredHeaders?.(ignored);
    }
    results.forEach((res, i) => {
      const r = rows[i]!;
      tally.rows++;
      if (res.status === 'invalid' || res.status === 'conflict') {
        tally.rejected++;
        o.onRejected?.(r.row, res.errors ? res.errors.map((e) => `${e.field ? `${e.field}: ` : ''}${e.message}`).join('；') : (res.message ?? res.status), r.cells);
        return;
      }
      if (res.replayed) tally.already++;
      let status = res.status;
      if (o.dryRun) {
        const keys = [e164(items[i]!.lead.phone ?? items[i]!.lead.电话), emailKey(items[i]!.lead.email ?? items[i]!.lead.邮箱)].filter((k): k is string => !!k);
        if (status === 'created' && keys.some((k) => seen.has(k))) status = 'merged';
        if (status === 'created') for (const k of keys) seen.add(k);
      }
      if (status === 'created') tally.created++;
      else if (status === 'merged') tally.merged++;
      else if (status === 'flagged') tally.flagged++;
    });
    o.onProgress?.({ bytes, rows: tally.rows });
  }

  for await (const r of readRows(o.file, { encoding: o.encoding, onBytes: (b) => (bytes = b) })) {
    batch.push(r);
    if (batch.length >= size) {
      await send(batch);
      batch = [];
    }
  }
  if (batch.length) await send(batch);
  return tally;
}

interface ItemResult {
  status: string;
  id?: string;
  replayed?: boolean;
  ignored?: string[];
  message?: string;
  errors?: Array<{ field: string; message: string }>;
}

/** One batch, tried again while the server is busy, restarting or away; refused for good on 4xx. */
async function postBatch(o: ImportOptions, body: unknown): Promise<ItemResult[]> {
  const f = o.fetchImpl ?? fetch;
  for (let attempt = 1; ; attempt++) {
    let res: Response | undefined;
    try {
      res = await f(`${o.server.replace(/\/$/, '')}/api/leads/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${o.apiKey}`, 'accept-language': 'zh-CN' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(120_000),
      });
    } catch (e) {
      if (attempt >= 10) throw new ImportError(`无法连接服务器 ${o.server}（${e instanceof Error ? e.message : String(e)}）：请先 npm start / cannot reach the server`);
    }
    if (res?.status === 200) return ((await res.json()) as { results: ItemResult[] }).results;
    const retry = !res || res.status === 429 || res.status === 503 || res.status >= 500;
    if (res && !retry) {
      const text = await res.text();
      throw new ImportError(`服务器拒绝了导入（HTTP ${res.status}）/ the server refused the import: ${text.slice(0, 300)}`);
    }
    if (attempt >= 10) throw new ImportError(`服务器持续繁忙（HTTP ${res?.status}）/ the server stayed busy`);
    const after = Number(res?.headers.get('retry-after'));
    await new Promise((r) => setTimeout(r, Number.isFinite(after) && after > 0 ? after * 1000 : (o.retryMs ?? 1000) * attempt));
  }
}
