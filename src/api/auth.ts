import type { RequestHandler, Response } from 'express';
import { authenticateApiKey, type AdminIdentity } from '../services/accounts';
import { Unauthorized } from './errors';

/** Management routes: `Authorization: Bearer <admin API key>`; the admin lands in res.locals.admin. */
export const requireAdmin: RequestHandler = async (req, res, next) => {
  const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  if (!match) return next(new Unauthorized('send the admin API key as "Authorization: Bearer <key>"'));
  res.locals.admin = await authenticateApiKey(match[1]!);
  next();
};

export function adminOf(res: Response): AdminIdentity {
  return res.locals.admin as AdminIdentity;
}
