import { Router } from 'express';
import { pageQuerySchema } from '../services/paging/pages';
import { botVersionQuerySchema, draftQuerySchema } from '../schemas/management';
import { createBot, deleteBot, getBot, listBots, refuseForbiddenHttpNodes, updateBot, validateBotSave } from '../services/bots';
import type { WebhookPolicy } from '../services/channels/channels';
import { adminOf, adminRoleOnly, requireAdmin } from './auth';
import { parseOrThrow } from '../schemas/parse';

/** /v1/bots: every save validates the flow and adds a version; `?draft=true` keeps an invalid flow as a draft. */
export function botsRouter(webhooks: WebhookPolicy): Router {
  const router = Router();
  router.use('/v1/bots', requireAdmin, adminRoleOnly);
  router.post('/v1/bots', async (req, res) => {
    const draft = parseOrThrow(draftQuerySchema, req.query).draft === 'true';
    const save = validateBotSave(req.body, { draft, creating: true });
    await refuseForbiddenHttpNodes(save, webhooks);
    res.status(201).json(await createBot(adminOf(res), save));
  });
  router.get('/v1/bots', async (req, res) => {
    res.json(await listBots(adminOf(res), parseOrThrow(pageQuerySchema, req.query)));
  });
  router.get('/v1/bots/:botId', async (req, res) => {
    const { version } = parseOrThrow(botVersionQuerySchema, req.query);
    res.json(await getBot(adminOf(res), req.params.botId, version));
  });
  router.put('/v1/bots/:botId', async (req, res) => {
    const draft = parseOrThrow(draftQuerySchema, req.query).draft === 'true';
    const save = validateBotSave(req.body, { draft, creating: false });
    await refuseForbiddenHttpNodes(save, webhooks);
    res.json(await updateBot(adminOf(res), req.params.botId, save));
  });
  router.delete('/v1/bots/:botId', async (req, res) => {
    await deleteBot(adminOf(res), req.params.botId);
    res.status(204).end();
  });
  return router;
}
