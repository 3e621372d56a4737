import { createHmac } from 'node:crypto';

/**
 * A webhook subscriber's Standard Webhooks secret (`whsec_` + base64 of 32 bytes), derived from
 * WEBHOOK_SIGNING_KEY with the subscriber's id and secret version: the same three give it again (the
 * sender signs with it; `npm run webhooks -- secret` shows it), nothing secret is stored, and rotating
 * is a new version. The label keeps it apart from intake sources' secrets (lib/source-keys.ts) even
 * when both master keys are the same.
 */
export function subscriberSecret(masterKey: string, subscriberId: string, version: number): string {
  return `whsec_${createHmac('sha256', masterKey).update(`lead-journey webhook subscriber ${subscriberId} v${version}`).digest('base64')}`;
}
