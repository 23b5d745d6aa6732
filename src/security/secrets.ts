import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Crypto-random [A-Za-z0-9] string without modulo bias (randomInt rejects biased draws). */
export function randomAlphanumeric(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Constant-time equality for secrets of any length: compares fixed-size digests. */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

export function generateChannelID(): string {
  return randomAlphanumeric(16);
}

export function generateChannelToken(): string {
  return randomAlphanumeric(32);
}

/** Standard Webhooks secret: "whsec_" + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Admin API key "pk_<keyId>_<secret>": keyId is stored, the secret only as a hash. */
export function generateApiKey(): { apiKey: string; keyId: string; apiKeyHash: string } {
  const keyId = randomAlphanumeric(12);
  const secret = randomAlphanumeric(40);
  return { apiKey: `pk_${keyId}_${secret}`, keyId, apiKeyHash: sha256Hex(secret) };
}

export function parseApiKey(apiKey: string): { keyId: string; secret: string } | null {
  const match = /^pk_([A-Za-z0-9]{12})_([A-Za-z0-9]{40})$/.exec(apiKey);
  return match ? { keyId: match[1]!, secret: match[2]! } : null;
}
