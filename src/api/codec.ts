import { createHash } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import type { PayloadCodec } from '@temporalio/common';
import { codecPayloadsSchema, payloadFromJson, payloadToJson } from '../schemas/codec';
import { CODEC_SESSION_COOKIE, CODEC_SESSION_SECONDS, isCodecOperator, mintCodecSession } from '../security/codec-auth';
import { isEncrypted, PayloadDecryptionError } from '../temporal/payload-codec';
import { PayloadUndecryptable, Unauthorized } from '../errors';
import { parseOrThrow } from '../schemas/parse';

export interface CodecSettings {
  /** The workers' codec (same keys). */
  codec: PayloadCodec;
  /** CODEC_AUTH_TOKEN; absent, every request is 401. */
  authToken?: string;
  /** The Temporal UI's origin: the only one CORS lets read an answer. */
  uiOrigin: string;
  /** A UI on another site needs SameSite=None, which needs Secure (an https PUBLIC_URL). */
  crossSiteCookie: boolean;
}


/**
 * Temporal's remote codec protocol for the Web UI (POST …/decode, …/encode with `{payloads}` in protobuf JSON),
 * for operators only: `Authorization: Bearer <CODEC_AUTH_TOKEN>`, or the session cookie /codec/sign-in sets.
 * Authenticated before the body is parsed.
 */
export function codecRouter(settings: CodecSettings, jsonBody: RequestHandler[]): Router {
  const requireOperator: RequestHandler = (req, _res, next) => {
    if (isCodecOperator(settings.authToken, req.headers.authorization, req.headers.cookie)) return next();
    next(new Unauthorized(settings.authToken ? 'send the codec token as "Authorization: Bearer <token>", or sign in at /codec/sign-in' : 'the codec endpoint is off: CODEC_AUTH_TOKEN is not set'));
  };
  const router = Router();
  router.use('/codec', cors(settings.uiOrigin));
  router.get('/codec/sign-in', (_req, res) => {
    res.setHeader('content-security-policy', `default-src 'none'; script-src '${SIGN_IN_SCRIPT_HASH}'; connect-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'`);
    res.type('html').send(SIGN_IN_PAGE);
  });
  router.post('/codec/session', requireOperator, (_req, res) => {
    const sameSite = settings.crossSiteCookie ? 'SameSite=None; Secure' : 'SameSite=Strict';
    res.setHeader('set-cookie', `${CODEC_SESSION_COOKIE}=${mintCodecSession(settings.authToken!)}; Path=/codec; Max-Age=${CODEC_SESSION_SECONDS}; HttpOnly; ${sameSite}`);
    res.setHeader('cache-control', 'no-store');
    res.status(204).end();
  });
  router.post('/codec/encode', requireOperator, ...jsonBody, async (req, res) => {
    const { payloads } = parseOrThrow(codecPayloadsSchema, req.body);
    const encoded = await settings.codec.encode(payloads.map(payloadFromJson));
    res.setHeader('cache-control', 'no-store');
    res.json({ payloads: encoded.map(payloadToJson) });
  });
  router.post('/codec/decode', requireOperator, ...jsonBody, async (req, res) => {
    const { payloads } = parseOrThrow(codecPayloadsSchema, req.body);
    const original = (req.body as { payloads?: unknown[] }).payloads ?? [];
    // Only Parley's encrypted payloads change; any other comes back exactly as it was sent.
    const decoded = await Promise.all(payloads.map(async (json, i) => {
      const payload = payloadFromJson(json);
      if (!isEncrypted(payload)) return original[i];
      const [plain] = await settings.codec.decode([payload]).catch((err: unknown) => {
        throw err instanceof PayloadDecryptionError ? new PayloadUndecryptable(`payloads[${i}]: ${err.message}`) : err;
      });
      return payloadToJson(plain!);
    }));
    res.setHeader('cache-control', 'no-store');
    res.json({ payloads: decoded });
  });
  return router;
}

/** The UI calls from its own origin with credentials: only that origin may read the answers. */
function cors(uiOrigin: string): RequestHandler {
  return (req, res, next) => {
    res.vary('origin');
    if (req.headers.origin === uiOrigin) {
      res.setHeader('access-control-allow-origin', uiOrigin);
      res.setHeader('access-control-allow-credentials', 'true');
    }
    if (req.method !== 'OPTIONS') return next();
    // A preflight: answered here for any origin; only the UI's gets the allow headers the browser looks for.
    if (req.headers.origin === uiOrigin) {
      res.setHeader('access-control-allow-methods', 'POST');
      res.setHeader('access-control-allow-headers', 'Content-Type, X-Namespace, Authorization, Authorization-Extras');
      res.setHeader('access-control-max-age', '600');
    }
    res.status(204).end();
  };
}

const SIGN_IN_SCRIPT = `document.querySelector('form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = document.querySelector('input').value.trim();
  const answer = await fetch('/codec/session', { method: 'POST', headers: { authorization: 'Bearer ' + token } });
  document.querySelector('output').textContent = answer.ok
    ? 'Signed in for 8 hours: the Temporal UI can decode payloads now (with "include cross-origin credentials").'
    : 'Not signed in: wrong token.';
});`;
const SIGN_IN_SCRIPT_HASH = `sha256-${createHash('sha256').update(SIGN_IN_SCRIPT).digest('base64')}`;
const SIGN_IN_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Parley codec sign-in</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>Temporal UI codec sign-in</h1>
<p>The Temporal UI decodes Parley's encrypted payloads through this API. Sign in with the codec token (CODEC_AUTH_TOKEN).</p>
<form><label>Codec token <input type="password" name="token" autocomplete="off" required></label> <button type="submit">Sign in</button></form>
<p><output></output></p>
<script>${SIGN_IN_SCRIPT}</script>
</body>
</html>`;
