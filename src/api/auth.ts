import type { Application, RequestHandler, Response } from 'express';
import { authenticateApiKey, type AdminIdentity } from '../services/accounts';
import type { RateLimits } from '../services/rate-limits';
import { Unauthorized } from './errors';
import { writeRateLimitHeaders } from './rate-limit-headers';

/** createApp puts the shared limits here, so every router's requireAdmin spends the same budget. */
export function setAdminRateLimits(app: Application, rateLimits: RateLimits): void {
  app.locals.adminRateLimits = rateLimits;
}

/** Management routes: `Authorization: Bearer <admin API key>`; the admin lands in res.locals.admin. */
export const requireAdmin: RequestHandler = async (req, res, next) => {
  if (res.locals.admin) return next(); // nested routers: authenticated (and counted) once per request
  const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  if (!match) return next(new Unauthorized('send the admin API key as "Authorization: Bearer <key>"'));
  const admin = await authenticateApiKey(match[1]!);
  const rateLimits = req.app.locals.adminRateLimits as RateLimits;
  writeRateLimitHeaders(res, await rateLimits.adminRequest(`${String(admin.accountId)}:${admin.adminID}`));
  res.locals.admin = admin;
  next();
};

export function adminOf(res: Response): AdminIdentity {
  return res.locals.admin as AdminIdentity;
}
