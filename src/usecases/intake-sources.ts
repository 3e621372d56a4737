import { hashKey, newApiKey, newSourceId, signingSecret } from '../lib/source-keys.js';
import type { IntakeSource } from '../store/intake-repo.js';
import type { Store } from '../store/store.js';

/**
 * Who may post leads (npm run sources; the sandbox's demo form): a source is made with an API key or,
 * `signed`, a Standard Webhooks signing secret; either is handed over once and never stored (the key
 * as its hash, the secret not at all: it is derived from SOURCE_SIGNING_KEY).
 */
export const DEFAULT_RATE_PER_MINUTE = 120;

export type SourceProblem = { zh: string; en: string };

export async function addSource(
  store: Store,
  o: { name: string; channel?: string | undefined; channels: readonly string[]; ratePerMinute?: number | undefined; signed?: boolean | undefined; signingKey?: string | undefined; now: Date },
): Promise<{ ok: true; source: IntakeSource; credential: string } | { ok: false; problem: SourceProblem }> {
  const name = o.name.trim();
  if (!name || name.length > 50) return { ok: false, problem: { zh: '来源名称须为 1–50 个字', en: 'a source name is 1–50 characters' } };
  if (o.channel && !o.channels.includes(o.channel)) return { ok: false, problem: { zh: `来源渠道只能是：${o.channels.join('、')}`, en: `the channel must be one of: ${o.channels.join(', ')}` } };
  const rate = o.ratePerMinute ?? DEFAULT_RATE_PER_MINUTE;
  if (!Number.isInteger(rate) || rate < 1 || rate > 100_000) return { ok: false, problem: { zh: '每分钟次数须为 1–100000 的整数', en: 'the rate is a whole number of requests a minute, 1–100000' } };
  if (o.signed && !o.signingKey) return { ok: false, problem: { zh: '签名来源需要先在 .env 设置 SOURCE_SIGNING_KEY（见 .env.example）', en: 'a signed source needs SOURCE_SIGNING_KEY in .env first (see .env.example)' } };
  if (await store.intake.sourceByName(name)) return { ok: false, problem: { zh: `已有名为「${name}」的来源（可用 rotate 换新密钥）`, en: `a source named "${name}" exists (rotate gives it a new key)` } };
  const id = newSourceId();
  const key = o.signed ? undefined : newApiKey(id);
  const source = await store.intake.addSource({ id, name, channel: o.channel, keyHash: key && hashKey(key), signing: o.signed === true, ratePerMinute: rate, now: o.now });
  return { ok: true, source, credential: key ?? signingSecret(o.signingKey!, id) };
}

/** A new API key for a source (the old one stops working at once); signing sources are replaced instead. */
export async function rotateSourceKey(store: Store, source: IntakeSource): Promise<{ ok: true; credential: string } | { ok: false; problem: SourceProblem }> {
  if (source.signing) return { ok: false, problem: { zh: '签名来源没有 API Key：停用它并新建一个', en: 'a signing source has no API key: revoke it and add a new one' } };
  const key = newApiKey(source.id);
  await store.intake.rotateKey(source.id, hashKey(key));
  return { ok: true, credential: key };
}
