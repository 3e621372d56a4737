import { stableJson } from '../../../lib/stable-json.js';
import type { RecordChangeAction } from '../kernel/bus.js';
import { FeishuApiError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import type { EmuKernel } from '../kernel/kernel.js';
import { DEFAULT_BITABLE_CONFIG, LIMITS, type BitableConfig } from './config.js';
import { commitCreate, commitDelete, commitUpdate, type CommitResult, type WriteEnv, type WrittenRecord } from './record-writes.js';
import { renderRecord, type RenderOptions } from './record-reads.js';
import { applyFieldUpdate, buildField, buildTable, type FieldInput, type TableInput } from './schema.js';
import { runSearch, type SearchBody } from './search.js';
import { BitableState, type Base, type Field, type Operator, type Table, type View } from './state.js';
import { buildView, patchView } from './views.js';
import type { BaseTemplate, CreatedBase } from './template.js';
import type { ReadContext, UserIdType } from './values.js';
import { assertReady, TableWriteLocks } from './write-lock.js';

/**
 * The Bitable emulator as an in-process object. HTTP routes (the SDK's view), control routes (the
 * sandbox UI / tests "acting as a user") and main.ts seeding all call these methods, so every write goes
 * through the same validation, per-table lock and record-change event, whoever makes it.
 */
export interface WriteOptions {
  operator: Operator;
  userIdType?: UserIdType;
  /** uuidv4 idempotency key (format checked by the route): a repeat returns the first result */
  clientToken?: string;
  /** honour the "data not ready" window; API callers skip it with ignore_consistency_check=true */
  consistencyCheck?: boolean;
}

export interface ReadOptions {
  userIdType?: UserIdType;
  textAsArray?: boolean;
  automaticFields?: boolean;
  withSharedUrl?: boolean;
  /** API reads honour the "data not ready" window; control/UI reads do not */
  consistencyCheck?: boolean;
}

export interface SearchResult {
  items: Array<Record<string, unknown>>;
  has_more: boolean;
  page_token?: string;
  total: number;
}

const SEED_OPERATOR: Operator = { kind: 'user', openId: 'ou_00000000000000000000000000000000' };

export class BitableService {
  readonly state = new BitableState();
  readonly config: BitableConfig = { ...DEFAULT_BITABLE_CONFIG };
  private readonly locks = new TableWriteLocks();
  private readonly kernel: EmuKernel;

  constructor(kernel: EmuKernel) {
    this.kernel = kernel;
  }

  configure(patch: Partial<BitableConfig>): BitableConfig {
    Object.assign(this.config, patch);
    return { ...this.config };
  }

  /** The operator for a write made with `appId`'s tenant token: the app's bot (docs/platform/feishu.md §3.6 operator_id). */
  appOperator(appId: string): Operator {
    const app = this.kernel.apps.get(appId);
    if (!app) throw new Error(`unknown app ${appId}`);
    return { kind: 'app', appId, openId: app.bot_open_id };
  }

  userOperator(openId: string): Operator {
    if (!this.kernel.directory.findUser(openId)) throw new FeishuApiError(1254066, 'UserFieldConvFail', undefined, `unknown user ${openId}`);
    return { kind: 'user', openId };
  }

  timeZone(base: Base): string {
    return base.time_zone ?? this.config.timezone;
  }

  // ── bases ────────────────────────────────────────────────────────────────────────────────────────

  createBase(template: BaseTemplate): CreatedBase {
    const appToken = template.app_token ?? newId.appToken();
    if (this.state.bases.has(appToken)) throw new Error(`base ${appToken} already exists`);
    const base: Base = { app_token: appToken, name: template.name, revision: 1, tables: new Map(), tableKeys: new Map(), ...(template.time_zone ? { time_zone: template.time_zone } : {}) };
    const resolveTable = (ref: unknown) => (typeof ref === 'string' ? (base.tableKeys.get(ref) ?? [...base.tables.values()].find((t) => t.name === ref)?.table_id ?? ref) : ref);
    const out: CreatedBase = { app_token: appToken, tables: [] };
    // Build everything on a detached base first, so a bad template leaves no half-made base behind.
    for (const t of template.tables) {
      const fields = t.fields.map((f) => (f.property && 'table_id' in f.property ? { ...f, property: { ...f.property, table_id: resolveTable(f.property.table_id) } } : f));
      const table = buildTable({ name: t.name, fields, ...(t.default_view_name ? { default_view_name: t.default_view_name } : {}) }, base);
      base.tables.set(table.table_id, table);
      const key = t.key ?? t.name;
      base.tableKeys.set(key, table.table_id);
      out.tables.push({ name: table.name, key, table_id: table.table_id, fields: table.fields.map((f) => ({ field_id: f.field_id, field_name: f.field_name, type: f.type })) });
    }
    const operator = template.seed_operator_open_id ? { kind: 'user' as const, openId: template.seed_operator_open_id } : SEED_OPERATOR;
    for (const [i, t] of template.tables.entries()) {
      if (!t.records?.length) continue;
      const table = base.tables.get(out.tables[i]!.table_id)!;
      commitCreate(base, table, t.records, { directory: this.kernel.directory, userIdType: 'open_id', operator, now: this.kernel.clock.now() });
    }
    this.state.bases.set(appToken, base);
    return out;
  }

  /**
   * POST /bitable/v1/apps (§2.10): a new Base holding one empty table. The default table's name and
   * single text column are a guess (the documents only say "one empty table").
   */
  createApp(input: { name?: string; time_zone?: string }): { base: Base; defaultTable: Table } {
    const base: Base = { app_token: newId.appToken(), name: input.name?.trim() || '未命名多维表格', revision: 1, tables: new Map(), tableKeys: new Map(), ...(input.time_zone ? { time_zone: input.time_zone } : {}) };
    const table = buildTable({ name: '数据表' }, base);
    base.tables.set(table.table_id, table);
    this.state.bases.set(base.app_token, base);
    return { base, defaultTable: table };
  }

  listBases(): Base[] {
    return [...this.state.bases.values()];
  }

  tableByKey(appToken: string, keyOrId: string): Table {
    const base = this.state.base(appToken);
    return this.state.table(appToken, base.tableKeys.get(keyOrId) ?? keyOrId);
  }

  // ── tables & fields ──────────────────────────────────────────────────────────────────────────────

  createTable(appToken: string, input: TableInput): Table {
    const base = this.state.base(appToken);
    const table = buildTable(input, base);
    base.tables.set(table.table_id, table);
    base.revision++;
    return table;
  }

  async createField(appToken: string, tableId: string, input: FieldInput, o: { clientToken?: string } = {}): Promise<Field> {
    const base = this.state.base(appToken);
    const table = this.state.table(appToken, tableId);
    const replay = this.replay<Field>(table, o.clientToken, `field:${stableJson(input)}`);
    if (replay) return replay;
    // Field changes take the same per-table write lock as record writes (§2.7).
    return this.locks.run(this.lockKey(appToken, tableId), this.config.writeLatencyMs, () => {
      const field = buildField(input, base, tableId, table.fields, false);
      table.fields.push(field);
      table.revision++;
      this.remember(table, o.clientToken, `field:${stableJson(input)}`, field);
      return field;
    });
  }

  async updateField(appToken: string, tableId: string, fieldId: string, input: FieldInput): Promise<Field> {
    const base = this.state.base(appToken);
    const table = this.state.table(appToken, tableId);
    const field = this.state.field(table, fieldId);
    return this.locks.run(this.lockKey(appToken, tableId), this.config.writeLatencyMs, () => {
      applyFieldUpdate(field, input, base, table);
      table.revision++;
      return field;
    });
  }

  /** Views are schema writes: they take the table's write lock like fields and records (§2.7, §2.10). */
  async createView(appToken: string, tableId: string, input: Record<string, unknown>): Promise<View> {
    const table = this.state.table(appToken, tableId);
    return this.locks.run(this.lockKey(appToken, tableId), this.config.writeLatencyMs, () => {
      const view = buildView(table, input);
      table.views.push(view);
      table.revision++;
      return view;
    });
  }

  async patchView(appToken: string, tableId: string, viewId: string, input: Record<string, unknown>): Promise<View> {
    const table = this.state.table(appToken, tableId);
    const view = table.views.find((v) => v.view_id === viewId);
    if (!view) throw new FeishuApiError(1254042, 'ViewIdNotFound');
    return this.locks.run(this.lockKey(appToken, tableId), this.config.writeLatencyMs, () => {
      patchView(table, view, input);
      table.revision++;
      return view;
    });
  }

  // ── record writes ────────────────────────────────────────────────────────────────────────────────

  createRecords(appToken: string, tableId: string, inputs: readonly unknown[], o: WriteOptions): Promise<WrittenRecord[]> {
    return this.write(appToken, tableId, o, `create:${stableJson(inputs)}`, (base, table, env) => commitCreate(base, table, inputs, env));
  }

  updateRecords(appToken: string, tableId: string, inputs: readonly unknown[], o: WriteOptions): Promise<WrittenRecord[]> {
    return this.write(appToken, tableId, o, `update:${stableJson(inputs)}`, (base, table, env) => commitUpdate(base, table, inputs, env));
  }

  deleteRecords(appToken: string, tableId: string, ids: readonly string[], o: WriteOptions & { missing?: 'error' | 'report' }): Promise<Array<{ deleted: boolean; record_id: string }>> {
    return this.write(appToken, tableId, o, `delete:${stableJson(ids)}`, (_b, table, env) => commitDelete(table, ids, env, o.missing ?? 'error'));
  }

  private async write<T>(appToken: string, tableId: string, o: WriteOptions, fingerprint: string, commit: (b: Base, t: Table, env: WriteEnv) => CommitResult<T>): Promise<T> {
    const base = this.state.base(appToken);
    const table = this.state.table(appToken, tableId);
    if (o.consistencyCheck ?? o.operator.kind === 'app') assertReady(table.lastWriteAt, this.kernel.clock.now(), this.config.notReadyMs);
    const replay = this.replay<T>(table, o.clientToken, fingerprint);
    if (replay) return replay;
    const { result, actions } = await this.locks.run(
      this.lockKey(appToken, tableId),
      this.config.writeLatencyMs,
      () => {
        const env: WriteEnv = { directory: this.kernel.directory, userIdType: o.userIdType ?? 'open_id', operator: o.operator, now: this.kernel.clock.now() };
        const r = commit(base, table, env);
        this.remember(table, o.clientToken, fingerprint, r.result);
        if (r.actions.length) {
          table.revision++;
          base.revision++;
        }
        table.lastWriteAt = env.now;
        return r;
      },
      { wait: o.operator.kind === 'user' },
    );
    if (actions.length) this.emit(base, table, o.operator, actions);
    return result;
  }

  /** A repeated client_token returns the first outcome; the same token with a different body is 1255006 (§2.5). */
  private replay<T>(table: Table, token: string | undefined, fingerprint: string): T | undefined {
    if (!token) return undefined;
    const seen = table.idempotency.get(token);
    if (!seen) return undefined;
    if (seen.fingerprint !== fingerprint) throw new FeishuApiError(1255006, 'ClientTokenConflict', undefined, 'client_token was already used for a different request');
    return structuredClone(seen.result) as T;
  }

  private remember(table: Table, token: string | undefined, fingerprint: string, result: unknown): void {
    if (token) table.idempotency.set(token, { fingerprint, result: structuredClone(result) });
  }

  private lockKey(appToken: string, tableId: string): string {
    return `${appToken}/${tableId}`;
  }

  private emit(base: Base, table: Table, op: Operator, actions: RecordChangeAction[]): void {
    if (op.kind === 'app' && !this.config.eventsForAppWrites) return;
    try {
      this.kernel.bus.emit('bitable.record_changed', {
        appToken: base.app_token,
        tableId: table.table_id,
        revision: table.revision,
        operatorOpenId: op.openId,
        ...(op.kind === 'app' ? { viaAppId: op.appId } : {}),
        actions,
        at: this.kernel.clock.now(),
      });
    } catch (e) {
      // A failing listener must not turn a committed write into an API error.
      this.kernel.log('error', 'bitable.record_changed listener failed', { err: e instanceof Error ? e.stack : String(e) });
    }
  }

  // ── record reads ─────────────────────────────────────────────────────────────────────────────────

  readContext(base: Base, o: ReadOptions): ReadContext {
    return { directory: this.kernel.directory, apps: this.kernel.apps, userIdType: o.userIdType ?? 'open_id', base, textAsArray: o.textAsArray ?? true, uncheckedCheckboxFalse: this.config.uncheckedCheckbox === 'false' };
  }

  private readable(appToken: string, tableId: string, o: ReadOptions): { base: Base; table: Table } {
    const base = this.state.base(appToken);
    const table = this.state.table(appToken, tableId);
    if (o.consistencyCheck) assertReady(table.lastWriteAt, this.kernel.clock.now(), this.config.notReadyMs);
    return { base, table };
  }

  getRecord(appToken: string, tableId: string, recordId: string, o: ReadOptions = {}): Record<string, unknown> {
    const { base, table } = this.readable(appToken, tableId, o);
    const row = this.state.record(table, recordId);
    return renderRecord(base, table, row, { ...this.readContext(base, o), legacyLinks: true }, { ...this.renderOpts(o), includeId: true });
  }

  batchGet(appToken: string, tableId: string, ids: readonly string[], o: ReadOptions = {}): { records: Array<Record<string, unknown>>; absent_record_ids: string[] } {
    const { base, table } = this.readable(appToken, tableId, o);
    const ctx = this.readContext(base, o);
    const records: Array<Record<string, unknown>> = [];
    const absent: string[] = [];
    for (const id of ids) {
      const row = table.records.get(id);
      if (row) records.push(renderRecord(base, table, row, ctx, this.renderOpts(o)));
      else absent.push(id);
    }
    return { records, absent_record_ids: absent };
  }

  search(appToken: string, tableId: string, body: SearchBody, paging: { pageSize?: number; pageToken?: string } = {}, o: ReadOptions = {}): SearchResult {
    const { base, table } = this.readable(appToken, tableId, o);
    const pageSize = paging.pageSize ?? LIMITS.searchPageDefault;
    const ctx = this.readContext(base, o);
    const page = runSearch(table, body, pageSize, paging.pageToken, {
      directory: this.kernel.directory,
      apps: this.kernel.apps,
      userIdType: ctx.userIdType,
      timeZone: this.timeZone(base),
      now: this.kernel.clock.now(),
    });
    const render: RenderOptions = { automaticFields: page.automaticFields, ...(page.fieldNames ? { fieldNames: page.fieldNames } : {}) };
    return {
      items: page.rows.map((r) => renderRecord(base, table, r, ctx, render)),
      has_more: page.has_more,
      ...(page.page_token ? { page_token: page.page_token } : {}),
      total: page.total,
    };
  }

  private renderOpts(o: ReadOptions): RenderOptions {
    return { automaticFields: o.automaticFields === true, withSharedUrl: o.withSharedUrl === true };
  }
}
