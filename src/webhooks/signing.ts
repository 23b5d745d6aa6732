import { Webhook } from 'standardwebhooks';

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Standard Webhooks headers for one attempt: a v1 HMAC-SHA256 over "id.timestamp.body" per secret, space-separated,
 * so a receiver that still knows only the previous secret keeps verifying during a rotation.
 */
export function signWebhook(secrets: readonly string[], webhookId: string, body: string, at: Date): SignedHeaders {
  if (secrets.length === 0) throw new Error('no signing secret');
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(webhookId, at, body)).join(' '),
  };
}

/** Throws WebhookVerificationError when no signature matches or the timestamp is off by more than 5 min. */
export function verifyWebhook(secret: string, body: string, headers: Record<string, string>): unknown {
  return new Webhook(secret).verify(body, headers);
}
