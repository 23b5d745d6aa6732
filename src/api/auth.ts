import type { Application, NextFunction, Request, RequestHandler, Response } from 'express';
import { authenticateApiKey, type AdminIdentity } from '../services/accounts';
import type { RateLimits } from '../services/limits/rate-limits';
import { Forbidden, Unauthorized } from '../errors';
import { writeRateLimitHeaders } from './rate-limit-headers';

/** createApp puts the shared limits here, so every router's requireAdmin spends the same budget. */
export function setAdminRateLimits(app: Application, rateLimits: RateLimits): void {
  app.locals.adminRateLimits = rateLimits;
}

/**
 * Management routes: `Authorization: Bearer <API key>` of either role; the admin lands in res.locals.admin and the
 * request spends the account's budget. Routes an agent may not call add `adminRoleOnly` after it.
 */
export const requireAdmin: RequestHandler = async (req, res, next) => {
  if (res.locals.admin) return next(); // nested routers: authenticated (and counted) once per request
  const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  if (!match) return next(new Unauthorized('send the admin API key as "Authorization: Bearer <key>"'));
  const admin = await authenticateApiKey(match[1]!);
  const rateLimits = req.app.locals.adminRateLimits as RateLimits;
  writeRateLimitHeaders(res, await rateLimits.adminRequest(String(admin.accountId)));
  res.locals.admin = admin;
  next();
};

/** After requireAdmin: an agent key gets 403 role_forbidden (it may only read sessions and write to users). */
// Generic in the request, so a route keeps the parameter types its path gives it.
export const adminRoleOnly = <R extends Request>(_req: R, res: Response, next: NextFunction): void => {
  if (adminOf(res).role === 'admin') return next();
  next(new Forbidden('role_forbidden', 'an agent key may only read sessions, send agent messages and resume users; this needs an admin key'));
};

export function adminOf(res: Response): AdminIdentity {
  return res.locals.admin as AdminIdentity;
}
