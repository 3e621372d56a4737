import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Feishu's event/callback crypto (docs/platform/feishu.md §3.3–3.4, §4.5; docs/reliability.md#11-verifying-feishu-requests).
 * - Body encryption: AES-256-CBC, key = SHA-256(encryptKey), a random 16-byte IV prefixed to the
 *   ciphertext, PKCS#7 padding, base64 of `iv || ciphertext`.
 * - Signature: plain SHA-256 (not an HMAC) of `timestamp + nonce + encryptKey + rawBody`, hex.
 * - Legacy card callbacks (`card.action.trigger_v1`): SHA-1 of `timestamp + nonce + verificationToken + body`.
 */
const keyOf = (encryptKey: string): Buffer => createHash('sha256').update(encryptKey, 'utf8').digest();

export function aesEncrypt(plaintext: string, encryptKey: string): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', keyOf(encryptKey), iv); // PKCS#7 is Node's default padding
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

export function aesDecrypt(encrypted: string, encryptKey: string): string {
  const buf = Buffer.from(encrypted, 'base64');
  if (buf.length < 32 || (buf.length - 16) % 16 !== 0) throw new Error('aesDecrypt: not an IV-prefixed AES-256-CBC blob');
  const decipher = createDecipheriv('aes-256-cbc', keyOf(encryptKey), buf.subarray(0, 16));
  return Buffer.concat([decipher.update(buf.subarray(16)), decipher.final()]).toString('utf8');
}

/** `X-Lark-Signature` for events and v2 card callbacks (§3.4). */
export function larkSignature(timestamp: string, nonce: string, encryptKey: string, rawBody: string): string {
  return createHash('sha256')
    .update(timestamp + nonce + encryptKey, 'utf8')
    .update(rawBody, 'utf8')
    .digest('hex');
}

/** `X-Lark-Signature` of a legacy `card.action.trigger_v1` callback (§4.5). */
export function legacyCardSignature(timestamp: string, nonce: string, verificationToken: string, rawBody: string): string {
  return createHash('sha1')
    .update(timestamp + nonce + verificationToken + rawBody, 'utf8')
    .digest('hex');
}
