import { createHmac } from 'node:crypto';
import { secretsEqual } from './secrets';

/** The cookie the Temporal UI sends to /codec/* when it includes credentials. */
export const CODEC_SESSION_COOKIE = 'parley_codec_session';
export const CODEC_SESSION_SECONDS = 8 * 3600;

/**
 * A codec session: "<expiresAtMs>.<HMAC-SHA256 by CODEC_AUTH_TOKEN>", so the token itself never sits in a
 * browser, a session expires on its own, and changing the token ends every session.
 */
export function mintCodecSession(authToken: string, now = Date.now()): string {
  const expiresAt = now + CODEC_SESSION_SECONDS * 1000;
  return `${expiresAt}.${sessionMac(authToken, expiresAt)}`;
}

export function codecSessionValid(authToken: string, session: string, now = Date.now()): boolean {
  const match = /^(\d{13})\.([A-Za-z0-9_-]{43})$/.exec(session);
  if (!match) return false;
  const expiresAt = Number(match[1]);
  return secretsEqual(match[2]!, sessionMac(authToken, expiresAt)) && expiresAt > now;
}

/** An operator: the token as "Authorization: Bearer …", or a session cookie minted from it. */
export function isCodecOperator(authToken: string | undefined, authorization: string | undefined, cookieHeader: string | undefined): boolean {
  if (!authToken) return false;
  const bearer = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
  if (bearer !== undefined && secretsEqual(bearer, authToken)) return true;
  const session = cookieValue(cookieHeader, CODEC_SESSION_COOKIE);
  return session !== undefined && codecSessionValid(authToken, session);
}

function sessionMac(authToken: string, expiresAt: number): string {
  return createHmac('sha256', authToken).update(`parley-codec-session.${expiresAt}`).digest('base64url');
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
