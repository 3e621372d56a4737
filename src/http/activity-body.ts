import { z } from 'zod';
import { e164, emailKey } from '../domain/contact-keys.js';
import type { BaseTemplate } from '../rules/base-template.js';
import { optionsOf } from '../rules/rule-table.js';
import type { ActivityPost } from '../usecases/intake-activities.js';
import { type FieldError, issuesToErrors, msg, text } from './intake-body.js';

/**
 * What a marketing tool posts to /api/activities: one behaviour event — its id in the sender's system
 * (`event_id`: the same id twice is one activity), its type (an 活动类型 option), when (`occurred_at`),
 * and the lead by 线索编号 (`lead_id`), phone or e-mail. See docs/intake.md#post-apiactivities.
 */
export type ActivityBodyParser = (body: Record<string, unknown>, now: Date) => { ok: true; post: ActivityPost } | { ok: false; errors: FieldError[] };

const LABELS: Record<string, string> = { event_id: '事件编号', type: '活动类型', occurred_at: '发生时间', lead_id: '线索编号', phone: '电话', email: '邮箱', detail: '说明' };
const ALIASES: Record<string, string> = { activity: 'type', 活动类型: 'type', 发生时间: 'occurred_at', 线索编号: 'lead_id', 电话: 'phone', 邮箱: 'email', 说明: 'detail', 事件编号: 'event_id' };

export function createActivityBodyParser(template: BaseTemplate): ActivityBodyParser {
  const types = optionsOf(template, 'activities', '活动类型');
  const schema = z.object({
    event_id: z
      .string({ error: msg('缺少事件编号 event_id（发送方系统中的唯一编号）', 'event_id is required (its id in the sending system)') })
      .regex(/^[\x21-\x7e]{1,200}$/, { error: msg('事件编号须为 1–200 个可见 ASCII 字符', 'event_id must be 1–200 visible ASCII characters') }),
    type: text(50, '活动类型').refine((v) => types.includes(v), { error: msg(`活动类型只能是：${types.join('、')}`, `type must be one of: ${types.join(', ')}`) }),
    occurred_at: z.iso.datetime({ offset: true, error: msg('发生时间须为带时区的 ISO 8601 时间，如 2026-12-04T10:30:00+08:00', 'occurred_at must be an ISO 8601 time with its offset') }).optional(),
    lead_id: z
      .string({ error: msg('线索编号必须是文本', 'lead_id must be text') })
      .regex(/^[A-Za-z0-9_-]{1,40}$/, { error: msg('线索编号格式不正确（如 XS-000123）', 'lead_id is not a 线索编号 such as XS-000123') })
      .optional(),
    phone: text(64, '电话')
      .refine((v) => e164(v) !== undefined, { error: msg('电话号码无法识别', 'not a phone number') })
      .optional(),
    email: text(200, '邮箱')
      .refine((v) => emailKey(v) !== undefined, { error: msg('邮箱格式不正确', 'not an e-mail address') })
      .optional(),
    detail: text(500, '说明').optional(),
  });

  return (body, now) => {
    const input: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) {
      const key = ALIASES[k] ?? k;
      if (key in LABELS && !Object.hasOwn(input, key)) input[key] = v;
    }
    const parsed = schema.safeParse(input);
    if (!parsed.success) return { ok: false, errors: issuesToErrors(parsed.error.issues, (f) => LABELS[f] ?? f) };
    const d = parsed.data;
    if (!d.lead_id && !d.phone && !d.email) return { ok: false, errors: [{ field: 'lead_id|phone|email', code: 'required', message: { zh: '请用线索编号、电话或邮箱指明是哪条线索', en: 'name the lead by lead_id, phone or email' } }] };
    const at = d.occurred_at ? new Date(d.occurred_at) : now;
    if (at.getTime() > now.getTime() + 5 * 60_000) return { ok: false, errors: [{ field: 'occurred_at', code: 'in_future', message: { zh: '发生时间不能晚于现在', en: 'occurred_at is in the future' } }] };
    return {
      ok: true,
      post: {
        eventId: d.event_id,
        type: d.type,
        at,
        ...(d.detail ? { detail: d.detail } : {}),
        lead: { ...(d.lead_id ? { leadKey: d.lead_id } : {}), ...(d.phone ? { phone: e164(d.phone)! } : {}), ...(d.email ? { email: emailKey(d.email)! } : {}) },
      },
    };
  };
}
