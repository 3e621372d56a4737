import { fieldValidationFailed } from '../events/field-validation.js';
import { FeishuApiError, ok } from '../kernel/errors.js';
import type { EmuKernel } from '../kernel/kernel.js';
import { CardInvalid, type ParsedCard, validateCard } from './card-parse.js';
import { CARD_UPDATE_ERRORS } from './card-tokens.js';
import { CARD_LIMIT_BYTES } from './message-routes.js';
import type { ImService } from './service.js';

/**
 * POST /open-apis/interactive/v1/card/update {token, card} — delayed update with the `c-…` token of a
 * callback (docs/platform/feishu.md#46-delayed-card-update): 30 min, at most 2 uses, only the card the user interacted with.
 */
export function registerCardUpdateRoute(k: EmuKernel, im: ImService): void {
  k.route({ method: 'POST', path: '/open-apis/interactive/v1/card/update', key: 'interactive.card.update', rate: ['im.update'] }, async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as { token?: unknown; card?: unknown } | undefined;
    const violations: Array<{ field: string; description: string }> = [];
    if (typeof body?.token !== 'string' || !body.token) violations.push({ field: 'token', description: 'token is required' });
    if (typeof body?.card !== 'object' || body.card === null || Array.isArray(body.card)) violations.push({ field: 'card', description: 'card is required and must be an object' });
    if (violations.length) return fieldValidationFailed(c, violations);
    const card = body!.card as Record<string, unknown>;
    const now = k.clock.now();
    const check = im.tokens.check(body!.token as string, c.get('appId'), now);
    if (!check.ok) throw new FeishuApiError(CARD_UPDATE_ERRORS[check.error].code, CARD_UPDATE_ERRORS[check.error].msg);
    const m = im.store.get(check.token.message_id);
    if (!m) throw new FeishuApiError(CARD_UPDATE_ERRORS.invalidToken.code, CARD_UPDATE_ERRORS.invalidToken.msg);
    if (Buffer.byteLength(JSON.stringify(card), 'utf8') > CARD_LIMIT_BYTES) throw new FeishuApiError(230025, 'The length of the message content reaches its limit.');
    let parsed: ParsedCard;
    try {
      parsed = validateCard(card);
    } catch (e) {
      if (e instanceof CardInvalid) throw new FeishuApiError(230099, `Failed to create card content, ext=${e.message}`);
      throw e;
    }
    // [3rd] 1.0 cards must name the users whose copy changes (§4.6).
    const openIds = Array.isArray(card.open_ids) ? card.open_ids.filter((x): x is string => typeof x === 'string') : undefined;
    if (parsed.kind === 'v1' && !openIds?.length) throw new FeishuApiError(CARD_UPDATE_ERRORS.needOpenIds.code, CARD_UPDATE_ERRORS.needOpenIds.msg);
    check.token.uses++;
    im.applyCard(m, { at: now, source: 'card_update', kind: parsed.kind, card: parsed.card, ...(openIds?.length ? { open_ids: openIds } : {}) });
    return ok(c, {});
  });
}
