import { Router } from 'express';
import { adminIdParamsSchema, createAdminSchema } from '../schemas/management';
import { createAdmin, listAdmins, revokeAdmin } from '../services/accounts';
import { adminOf, adminRoleOnly, requireAdmin } from './auth';
import { parseOrThrow } from '../schemas/parse';

/** /v1/admins: the account's API keys (one per admin): list, create (shown once), revoke. Admin keys only. */
export function adminsRouter(): Router {
  const router = Router();
  router.use('/v1/admins', requireAdmin, adminRoleOnly);
  router.get('/v1/admins', async (_req, res) => {
    res.json(await listAdmins(adminOf(res)));
  });
  router.post('/v1/admins', async (req, res) => {
    res.status(201).json(await createAdmin(adminOf(res), parseOrThrow(createAdminSchema, req.body)));
  });
  router.delete('/v1/admins/:adminID', async (req, res) => {
    const { adminID } = parseOrThrow(adminIdParamsSchema, req.params);
    res.json(await revokeAdmin(adminOf(res), adminID));
  });
  return router;
}
