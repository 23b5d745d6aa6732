import { Router } from 'express';
import { pageQuerySchema } from '../services/paging/pages';
import { createDeploymentSchema, keywordSchema } from '../schemas/management';
import { deleteDeployment, deployBot, listDeployments } from '../services/channels/deployments';
import { adminOf, adminRoleOnly, requireAdmin } from './auth';
import { parseOrThrow } from '../schemas/parse';

/** /v1/channels/:channelID/deployments: which bot a hashtag keyword starts on a channel. */
export function deploymentsRouter(): Router {
  const router = Router();
  const base = '/v1/channels/:channelID/deployments';
  router.use(base, requireAdmin, adminRoleOnly);
  router.post(base, async (req, res) => {
    const input = parseOrThrow(createDeploymentSchema, req.body);
    res.status(201).json(await deployBot(adminOf(res), req.params.channelID, input));
  });
  router.get(base, async (req, res) => {
    res.json(await listDeployments(adminOf(res), req.params.channelID, parseOrThrow(pageQuerySchema, req.query)));
  });
  router.delete(`${base}/:keyword`, async (req, res) => {
    await deleteDeployment(adminOf(res), req.params.channelID, parseOrThrow(keywordSchema, req.params.keyword, 'keyword'));
    res.status(204).end();
  });
  return router;
}
