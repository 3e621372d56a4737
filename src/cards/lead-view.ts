import { maskPhone } from '../domain/mask.js';
import type { Text } from '../domain/text.js';
import type { LeadView } from '../ports/chat.js';
import { field, t, type CardCtx, type CardJson } from './card-kit.js';

export type { LeadView } from '../ports/chat.js';

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : Array.isArray(v) ? v.join('、') : '');
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);

export const companyOf = (v: LeadView): string => clip(str(v.facts.company) || v.key, 40);

/** The lead's key facts as plain-text lines (never markdown: these are typed by people). */
export function leadLines(v: LeadView, ctx: CardCtx, extra: Array<[Text, string]> = []): CardJson[] {
  const contact = [str(v.facts.contact_name), str(v.facts.title)].filter(Boolean).join(' · ');
  const reach = [maskPhone(str(v.facts.phone)), str(v.facts.email) ? '✉' : '', str(v.facts.wechat) ? t(ctx, { zh: '微信', en: 'WeChat' }) : ''].filter(Boolean).join(' ');
  const rows: Array<[Text, string]> = [
    [{ zh: '线索编号', en: 'Lead' }, v.key],
    [{ zh: '公司', en: 'Company' }, str(v.facts.company)],
    [{ zh: '联系人', en: 'Contact' }, [contact, reach].filter(Boolean).join('  ')],
    [{ zh: '来源渠道', en: 'Source' }, str(v.facts.source)],
    [{ zh: '行业 / 规模 / 地区', en: 'Industry / size / region' }, [str(v.facts.industry), str(v.facts.size), str(v.facts.region)].filter(Boolean).join(' / ')],
    [{ zh: '需求描述', en: 'Need' }, clip(str(v.facts.need), 200)],
    [{ zh: '阶段', en: 'Stage' }, t(ctx, v.stage)],
    ...(v.score
      ? ([
          [
            { zh: '线索评分', en: 'Score' },
            `${v.score.value}${
              v.score.reasons.length
                ? `（${v.score.reasons
                    .slice(0, 3)
                    .map((r) => t(ctx, r))
                    .join('；')}）`
                : ''
            }`,
          ],
        ] as Array<[Text, string]>)
      : []),
    ...extra,
  ];
  return rows.filter(([, value]) => value !== '').map(([label, value]) => field(ctx, label, value));
}
