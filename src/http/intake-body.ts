import { z } from 'zod';
import { canonicalPhone, e164, emailKey } from '../domain/contact-keys.js';
import { missingForLead } from '../domain/guards.js';
import type { Guard } from '../domain/journey.js';
import type { LeadFacts } from '../domain/lead-facts.js';
import type { Text } from '../domain/text.js';
import type { BaseTemplate } from '../rules/base-template.js';
import { optionsOf } from '../rules/rule-table.js';
import type { Submission } from '../usecases/intake.js';

/**
 * What a web form or another system posts to /api/leads, validated with zod: the lead's fields by
 * their fact name (company, contact_name, phone …) or their column name in the Base (公司名称, 联系人,
 * 电话 …), an optional 来源渠道 (else the source's own), and what the person did (activity: an 活动类型
 * option such as 申请演示, with occurred_at). Every problem is named per field in Chinese and English.
 * Fields the API does not know are ignored (a form's utm_… or a honeypot), and listed in the answer.
 */
export interface FieldError {
  field: string;
  code: string;
  message: Text;
}

const MAX_FIELDS = 60;
const LONG_TEXT = new Set(['need']);
/** other names people give these fields in forms */
const EXTRA_ALIASES: Record<string, string[]> = {
  contact_name: ['name', '姓名', 'contact', 'contact_person', '联系人姓名'],
  phone: ['mobile', '手机', 'phone_number', 'mobile_phone', '手机号', '联系电话'],
  email: ['e_mail', 'email_address', '电子邮箱'],
  need: ['message', '需求', 'notes', 'description', '备注'],
  source: ['channel', 'lead_source', '来源'],
  size: ['company_size', 'employees'],
  title: ['job_title', 'position'],
  company: ['company_name', 'organization', '公司', '单位'],
};
/** people's fields are never set from outside (who follows a lead is decided by routing and claims) */
const NOT_POSTABLE = new Set(['owner', 'shared_by']);
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
/** half of a UTF-16 pair on its own (JSON can carry one as \\ud800): not text anyone typed */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** a zod message carrying both languages (read back by issuesToErrors) */
export const msg = (zh: string, en: string): string => JSON.stringify({ zh, en });

/** Text a person typed: a string or a number, no control characters or broken Unicode, trimmed, at most `max`. */
export function text(max: number, label: string) {
  return z
    .union([z.string(), z.number().finite()], { error: msg(`${label}必须是文本`, `${label} must be text`) })
    .transform((v) => String(v))
    .refine((v) => !LONE_SURROGATE.test(v), { error: msg(`${label}包含无效的字符编码`, `${label} is not valid Unicode`) })
    .refine((v) => !CONTROL.test(v), { error: msg(`${label}包含不可见的控制字符`, `${label} contains control characters`) })
    .transform((v) => v.normalize('NFC').trim())
    .refine((v) => v.length <= max, { error: msg(`${label}最多 ${max} 个字`, `${label} is at most ${max} characters`) });
}

export type IntakeBodyParser = (body: Record<string, unknown>, defaults: { channel: string | null; now: Date }) => { ok: true; submission: Submission; ignored: string[] } | { ok: false; errors: FieldError[] };

export function createIntakeBodyParser(template: BaseTemplate, leadMinimum: readonly Guard[]): IntakeBodyParser {
  const leads = template.tables.find((t) => t.key === 'leads');
  if (!leads) throw new Error('the Base template has no leads table');
  const fields = leads.fields.filter((f) => f.fact && !NOT_POSTABLE.has(f.fact));
  const activityTypes = optionsOf(template, 'activities', '活动类型');
  const aliasOf = new Map<string, string>();
  const labelOf = new Map<string, string>();
  const shape: Record<string, z.ZodTypeAny> = {};
  for (const f of fields) {
    const fact = f.fact!;
    for (const a of [fact, f.field_name, ...(EXTRA_ALIASES[fact] ?? [])]) aliasOf.set(a, fact);
    labelOf.set(fact, f.field_name);
    const options = ((f.property?.options as Array<{ name: string }> | undefined) ?? []).map((o) => o.name);
    let s = text(LONG_TEXT.has(fact) ? 2000 : 200, f.field_name);
    if (options.length) s = s.refine((v) => v === '' || options.includes(v), { error: msg(`${f.field_name}只能是：${options.join('、')}`, `${f.field_name} must be one of: ${options.join(', ')}`) });
    if (fact === 'phone') s = s.refine((v) => v === '' || e164(v) !== undefined, { error: msg('电话号码无法识别（手机号 11 位，座机请带区号）', 'not a phone number (11 digits for a mobile; a landline with its area code)') });
    if (fact === 'email') s = s.refine((v) => v === '' || emailKey(v) !== undefined, { error: msg('邮箱格式不正确', 'not an e-mail address') });
    shape[fact] = s.optional();
  }
  for (const a of ['activity', '活动类型']) aliasOf.set(a, 'activity');
  for (const a of ['occurred_at', '发生时间']) aliasOf.set(a, 'occurred_at');
  labelOf.set('activity', '活动类型');
  labelOf.set('occurred_at', '发生时间');
  shape.activity = text(50, '活动类型')
    .refine((v) => activityTypes.includes(v), { error: msg(`活动类型只能是：${activityTypes.join('、')}`, `activity must be one of: ${activityTypes.join(', ')}`) })
    .optional();
  shape.occurred_at = z.iso.datetime({ offset: true, error: msg('发生时间须为带时区的 ISO 8601 时间，如 2026-12-04T10:30:00+08:00', 'occurred_at must be an ISO 8601 time with its offset, e.g. 2026-12-04T10:30:00+08:00') }).optional();
  const schema = z.object(shape);

  return (body, defaults) => {
    const keys = Object.keys(body);
    if (keys.length > MAX_FIELDS) return { ok: false, errors: [{ field: '', code: 'too_many_fields', message: { zh: `字段过多（最多 ${MAX_FIELDS} 个）`, en: `too many fields (at most ${MAX_FIELDS})` } }] };
    const input: Record<string, unknown> = {};
    const ignored: string[] = [];
    const errors: FieldError[] = [];
    for (const k of keys) {
      const fact = aliasOf.get(k);
      if (!fact) ignored.push(k.slice(0, 60));
      else if (Object.hasOwn(input, fact)) errors.push({ field: k, code: 'duplicate_field', message: { zh: `「${labelOf.get(fact)}」提交了两次`, en: `${fact} was given twice` } });
      else input[fact] = body[k];
    }
    const parsed = schema.safeParse(input);
    if (!parsed.success) errors.push(...issuesToErrors(parsed.error.issues, (f) => labelOf.get(f) ?? f));
    if (errors.length) return { ok: false, errors };
    const data = parsed.data as Record<string, string | undefined>;
    const facts: Record<string, string> = {};
    for (const [k, v] of Object.entries(data)) if (v && k !== 'activity' && k !== 'occurred_at') facts[k] = v;
    if (facts.phone) facts.phone = canonicalPhone(facts.phone)!; // one way of writing it (and one a Bitable phone cell takes)
    if (!facts.source && defaults.channel) facts.source = defaults.channel;
    const missing = missingForLead(leadMinimum, facts as LeadFacts);
    if (missing.length)
      return {
        ok: false,
        errors: missing.map((g) => ({ field: g.type === 'anyOf' ? g.facts.join('|') : g.type === 'required' ? g.fact : '', code: 'required', message: { zh: `缺少${g.label.zh}`, en: `${g.label.en} is required` } })),
      };
    const at = data.occurred_at ? new Date(data.occurred_at) : defaults.now;
    if (at.getTime() > defaults.now.getTime() + 5 * 60_000) return { ok: false, errors: [{ field: 'occurred_at', code: 'in_future', message: { zh: '发生时间不能晚于现在', en: 'occurred_at is in the future' } }] };
    return { ok: true, submission: { facts, ...(data.activity ? { activity: { type: data.activity, at } } : {}) }, ignored };
  };
}

/** zod's issues as field errors in both languages (messages made with `msg`). */
export function issuesToErrors(issues: readonly z.core.$ZodIssue[], labelOf: (field: string) => string): FieldError[] {
  return issues.map((issue) => {
    const field = String(issue.path[0] ?? '');
    let message: Text;
    try {
      message = JSON.parse(issue.message) as Text;
    } catch {
      message = { zh: `${labelOf(field)}不正确`, en: `${field} is not valid` };
    }
    return { field, code: issue.code, message };
  });
}
