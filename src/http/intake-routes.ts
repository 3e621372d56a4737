import { createHash } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { cors } from 'hono/cors';
import { Webhook } from 'standardwebhooks';
import type { Text } from '../domain/text.js';
import type { Clock } from '../lib/clock.js';
import { createRateLimiter } from '../lib/rate-limit.js';
import type { Secret } from '../lib/secret.js';
import { keyMatches, signingSecret, sourceIdOfKey } from '../lib/source-keys.js';
import type { IntakeSource } from '../store/intake-repo.js';
import type { Store } from '../store/store.js';
import type { Intake, IntakeRequest } from '../usecases/intake.js';
import type { IntakeActivities } from '../usecases/intake-activities.js';
import type { ActivityBodyParser } from './activity-body.js';
import { limitBody } from './body-limit.js';
import type { FieldError, IntakeBodyParser } from './intake-body.js';
import type { AppEnv } from './request-log.js';

/**
 * POST /api/leads: leads from web forms and other systems; POST /api/activities: behaviour events from
 * marketing tools (docs/intake.md).
 * In order, each refusal a 4xx with a message in the caller's language (Accept-Language: en, else zh-CN):
 * the size limit before the body is read (413); the source's credential, an API key
 * (`Authorization: Bearer lj_…` or `X-Api-Key`) or a Standard Webhooks signature over the raw body
 * (`webhook-id`, `webhook-timestamp` within 5 minutes, `webhook-signature`, and `X-Source-Id`) (401);
 * the source's rate (429 with Retry-After); UTF-8 (400); JSON or form-encoded (415, 400); the fields
 * (422, per field); the Idempotency-Key (the same key with another body: 422). Accepted: 202 with the
 * lead's 线索编号, created or merged into a lead we had.
 */
export interface IntakeRouteDeps {
  store: Store;
  clock: Clock;
  intake: Intake;
  parse: IntakeBodyParser;
  /** POST /api/activities: behaviour events from marketing tools */
  activities: IntakeActivities;
  parseActivity: ActivityBodyParser;
  /** master key of signing sources (SOURCE_SIGNING_KEY); undefined: only API keys */
  signingKey: Secret | undefined;
  /** browser origins allowed to post (CORS) */
  corsOrigins: readonly string[];
  /** wakes the timer sweep (scoring, routing) and the writer once a lead is accepted */
  onAccepted: () => void;
  maxBodyBytes?: number;
  /** real time for rate limits (default Date.now) */
  wallClock?: () => number;
}

export const MAX_INTAKE_BODY_BYTES = 64 * 1024;
export const MAX_BATCH_BODY_BYTES = 4 * 1024 * 1024;
export const MAX_BATCH_ITEMS = 500;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

type Lang = 'zh' | 'en';
const langOf = (c: Context<AppEnv>): Lang => (/^\s*en\b/i.test(c.req.header('accept-language') ?? '') ? 'en' : 'zh');

function refuse(c: Context<AppEnv>, status: 400 | 401 | 413 | 415 | 422 | 429 | 503, error: string, message: Text, extra: Record<string, unknown> = {}) {
  c.set('logFields', { ...c.get('logFields'), refused: error });
  return c.json({ error, message: message[langOf(c)], ...extra }, status);
}

/** A field error per field, in the caller's language. */
const inLanguage = (errors: readonly FieldError[], lang: Lang) => errors.map((e) => ({ field: e.field, code: e.code, message: e.message[lang] }));

/** The size limit (413), before the body is read when it declares its length (src/http/body-limit.ts). */
function sizeLimit(max: number) {
  const shown = max >= 1024 * 1024 ? `${max / 1024 / 1024} MB` : `${max / 1024} KB`;
  return limitBody(max, (c) => refuse(c, 413, 'too_large', { zh: `提交内容过大（最多 ${shown}）`, en: `Body too large (at most ${shown})` }));
}

export function createIntakeRoutes(deps: IntakeRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const limiter = createRateLimiter(deps.wallClock);
  const origins = [...deps.corsOrigins];
  app.use(
    '/api/*',
    cors({
      origin: (o) => (origins.includes(o) ? o : null),
      allowMethods: ['POST', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'Authorization', 'X-Api-Key', 'Idempotency-Key', 'Accept-Language'],
      maxAge: 600,
    }),
  );
  const limit = sizeLimit(deps.maxBodyBytes ?? MAX_INTAKE_BODY_BYTES);

  /** The source an API key names, if the key is its key. */
  async function byKey(key: string): Promise<IntakeSource | undefined> {
    const id = sourceIdOfKey(key);
    const s = id ? await deps.store.intake.source(id) : undefined;
    return s && !s.revokedAt && keyMatches(key, s.keyHash) ? s : undefined;
  }

  /** What every intake route does first: who sends it, at what rate, and the body read and decoded. */
  async function readRequest(c: Context<AppEnv>): Promise<Response | { source: IntakeSource; fields: Record<string, unknown>; raw: Uint8Array; idem: string | undefined }> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const apiKey = bearer ?? c.req.header('x-api-key');
    const signedBy = c.req.header('x-source-id');
    let source: IntakeSource | undefined;
    if (apiKey) source = await byKey(apiKey.trim());
    else if (signedBy && c.req.header('webhook-signature')) {
      const s = /^[a-z0-9]{10}$/.test(signedBy) ? await deps.store.intake.source(signedBy) : undefined;
      source = s && !s.revokedAt && s.signing ? s : undefined;
    } else {
      c.header('WWW-Authenticate', 'Bearer');
      return refuse(c, 401, 'unauthorized', { zh: '缺少来源凭证：请带上 Authorization: Bearer <API Key>，或 Standard Webhooks 签名', en: 'No credential: send Authorization: Bearer <API key>, or a Standard Webhooks signature' });
    }
    if (!source) return refuse(c, 401, 'unauthorized', { zh: '来源凭证无效或已停用', en: 'Invalid or revoked credential' });
    c.set('logFields', { source: source.id });
    const rate = limiter.take(source.id, source.ratePerMinute);
    if (!rate.ok) {
      c.header('Retry-After', String(rate.retryAfterSeconds));
      return refuse(c, 429, 'rate_limited', {
        zh: `提交过于频繁（该来源每分钟最多 ${source.ratePerMinute} 次），请 ${rate.retryAfterSeconds} 秒后重试`,
        en: `Too many requests (this source may post ${source.ratePerMinute} a minute); retry in ${rate.retryAfterSeconds} s`,
      });
    }

    const raw = new Uint8Array(await c.req.arrayBuffer());
    let body: string;
    try {
      body = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(raw);
    } catch {
      return refuse(c, 400, 'bad_encoding', { zh: '提交内容不是有效的 UTF-8 编码', en: 'The body is not valid UTF-8' });
    }
    if (source.signing) {
      if (!deps.signingKey) return refuse(c, 401, 'unauthorized', { zh: '服务器未配置 SOURCE_SIGNING_KEY，无法验证签名', en: 'SOURCE_SIGNING_KEY is not set: signatures cannot be verified' });
      try {
        new Webhook(signingSecret(deps.signingKey.reveal(), source.id)).verify(body, {
          'webhook-id': c.req.header('webhook-id') ?? '',
          'webhook-timestamp': c.req.header('webhook-timestamp') ?? '',
          'webhook-signature': c.req.header('webhook-signature') ?? '',
        });
      } catch (e) {
        const stale = e instanceof Error && /timestamp/i.test(e.message);
        return refuse(
          c,
          401,
          stale ? 'stale_signature' : 'bad_signature',
          stale ? { zh: '签名时间不在 5 分钟内（请检查时钟或不要重放旧请求）', en: 'Signature timestamp is outside 5 minutes (check the clock; do not replay old requests)' } : { zh: '签名无效', en: 'Invalid signature' },
        );
      }
    }
    const idem = c.req.header('idempotency-key') ?? (source.signing ? c.req.header('webhook-id') : undefined);
    if (idem !== undefined && !IDEMPOTENCY_KEY.test(idem)) return refuse(c, 400, 'bad_idempotency_key', { zh: 'Idempotency-Key 须为 1–200 个可见 ASCII 字符', en: 'Idempotency-Key must be 1–200 visible ASCII characters' });

    const parsed = parseBody(c.req.header('content-type') ?? '', body);
    if ('status' in parsed) return refuse(c, parsed.status, parsed.error, parsed.message);
    return { source, fields: parsed.fields, raw, idem };
  }

  app.post('/api/leads', limit, async (c) => {
    const r = await readRequest(c);
    if (r instanceof Response) return r;
    const { source, raw, idem } = r;
    const now = deps.clock.now();
    const v = deps.parse(r.fields, { channel: source.channel, now });
    if (!v.ok) return refuse(c, 422, 'invalid', { zh: '提交内容有误，请按字段修改', en: 'Some fields are not valid' }, { errors: inLanguage(v.errors, langOf(c)) });
    const bodyHash = createHash('sha256').update(raw).digest('hex');
    const answer = await deps.intake.accept({ source: { id: source.id, name: source.name }, submission: v.submission, idempotencyKey: idem, bodyHash });
    if (!answer.ok) {
      if (answer.code === 'not_ready') c.header('Retry-After', '5');
      return refuse(c, answer.code === 'not_ready' ? 503 : 422, answer.code === 'not_ready' ? 'not_ready' : 'idempotency_key_reused', answer.message);
    }
    c.set('logFields', { source: source.id, lead: answer.leadKey, outcome: answer.outcome, replayed: answer.replayed });
    if (!answer.replayed) deps.onAccepted();
    if (answer.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json({ id: answer.leadKey, status: answer.outcome, ...(v.ignored.length ? { ignored: v.ignored } : {}) }, 202);
  });

  const batchLimit = sizeLimit(MAX_BATCH_BODY_BYTES);

  /**
   * POST /api/leads/batch: up to 500 leads at once (imports): `{ "items": [{ "key", "lead": {…} }], "dry_run"? }`.
   * Each item is what one POST /api/leads would be, with `key` its Idempotency-Key; they are accepted in
   * one transaction. 200 with a result per item: created / merged / flagged (with `id`), invalid (with
   * `errors`), or conflict (the key was used for another row). `dry_run`: nothing is kept.
   */
  app.post('/api/leads/batch', batchLimit, async (c) => {
    const r = await readRequest(c);
    if (r instanceof Response) return r;
    const items = r.fields.items;
    const lang = langOf(c);
    if (!Array.isArray(items) || items.length < 1 || items.length > MAX_BATCH_ITEMS) return refuse(c, 422, 'invalid', { zh: `items 须为 1–${MAX_BATCH_ITEMS} 条`, en: `items must hold 1–${MAX_BATCH_ITEMS} entries` });
    const now = deps.clock.now();
    const results: Array<Record<string, unknown>> = [];
    const accepted: Array<{ at: number; req: IntakeRequest }> = [];
    for (const [i, item] of items.entries()) {
      const key = (item as { key?: unknown } | null)?.key;
      const lead = (item as { lead?: unknown } | null)?.lead;
      if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key) || !lead || typeof lead !== 'object' || Array.isArray(lead)) {
        results.push({
          key: typeof key === 'string' ? key.slice(0, 200) : null,
          status: 'invalid',
          errors: [{ field: '', code: 'bad_item', message: lang === 'en' ? 'each item is { key: 1–200 visible ASCII characters, lead: {…} }' : '每一项须为 { key: 1–200 个可见 ASCII 字符, lead: {…} }' }],
        });
        continue;
      }
      const v = deps.parse(lead as Record<string, unknown>, { channel: r.source.channel, now });
      if (!v.ok) {
        results.push({ key, status: 'invalid', errors: inLanguage(v.errors, lang) });
        continue;
      }
      results.push({ key, ...(v.ignored.length ? { ignored: v.ignored } : {}) });
      accepted.push({ at: i, req: { source: { id: r.source.id, name: r.source.name }, submission: v.submission, idempotencyKey: key, bodyHash: createHash('sha256').update(JSON.stringify(lead)).digest('hex') } });
    }
    const answers = await deps.intake.acceptMany(
      accepted.map((a) => a.req),
      { dryRun: r.fields.dry_run === true },
    );
    let fresh = 0;
    answers.forEach((answer, j) => {
      const slot = results[accepted[j]!.at]!;
      if (answer.ok) {
        Object.assign(slot, { status: answer.outcome, id: answer.leadKey, ...(answer.replayed ? { replayed: true } : {}) });
        if (!answer.replayed) fresh++;
      } else Object.assign(slot, { status: answer.code === 'not_ready' ? 'not_ready' : 'conflict', message: answer.message[lang] });
    });
    c.set('logFields', { source: r.source.id, items: items.length, accepted: fresh, dryRun: r.fields.dry_run === true });
    if (fresh && r.fields.dry_run !== true) deps.onAccepted();
    return c.json({ results }, 200);
  });

  app.post('/api/activities', limit, async (c) => {
    const r = await readRequest(c);
    if (r instanceof Response) return r;
    const v = deps.parseActivity(r.fields, deps.clock.now());
    if (!v.ok) return refuse(c, 422, 'invalid', { zh: '提交内容有误，请按字段修改', en: 'Some fields are not valid' }, { errors: inLanguage(v.errors, langOf(c)) });
    const answer = await deps.activities.record({ id: r.source.id }, v.post);
    c.set('logFields', { source: r.source.id, lead: answer.leadKey, activity: answer.status });
    if (answer.status === 'recorded') deps.onAccepted();
    return c.json({ event_id: v.post.eventId, status: answer.status, ...(answer.leadKey ? { lead_id: answer.leadKey } : {}) }, 202);
  });
  return app;
}

type Parsed = { fields: Record<string, unknown> } | { status: 400 | 415; error: string; message: Text };

/** JSON (an object) or a form (application/x-www-form-urlencoded), nothing else. */
function parseBody(contentType: string, body: string): Parsed {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const charset = /charset\s*=\s*"?([\w-]+)/i.exec(contentType)?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') return { status: 415, error: 'unsupported_charset', message: { zh: '只接受 UTF-8 编码', en: 'Only UTF-8 is accepted' } };
  if (type === 'application/json') {
    let v: unknown;
    try {
      v = JSON.parse(body);
    } catch {
      return { status: 400, error: 'invalid_json', message: { zh: 'JSON 格式错误', en: 'The body is not valid JSON' } };
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) return { status: 400, error: 'not_an_object', message: { zh: 'JSON 须为一个对象（每个字段一个键）', en: 'The JSON must be one object (a key per field)' } };
    return { fields: v as Record<string, unknown> };
  }
  if (type === 'application/x-www-form-urlencoded') {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(body)) {
      if (k.includes('\uFFFD') || v.includes('\uFFFD')) return { status: 400, error: 'bad_encoding', message: { zh: '表单内容不是有效的 UTF-8 编码', en: 'The form is not valid UTF-8' } };
      if (k in fields) return { status: 400, error: 'duplicate_field', message: { zh: `字段「${k.slice(0, 60)}」提交了两次`, en: `Field "${k.slice(0, 60)}" was sent twice` } };
      fields[k] = v;
    }
    return { fields };
  }
  return { status: 415, error: 'unsupported_media_type', message: { zh: '请以 application/json 或 application/x-www-form-urlencoded 提交', en: 'Send application/json or application/x-www-form-urlencoded' } };
}
