import { Router } from 'express';
import { createAdminSchema } from '../schemas/management';
import { createAdmin } from '../services/accounts';
import { adminOf, requireAdmin } from './auth';
import { parseOrThrow } from './validate';

/** /v1/admins: another admin of the caller's account, with its own API key and adminID. */
export function adminsRouter(): Router {
  const router = Router();
  router.post('/v1/admins', requireAdmin, async (req, res) => {
    res.status(201).json(await createAdmin(adminOf(res), parseOrThrow(createAdminSchema, req.body)));
  });
  return router;
}
