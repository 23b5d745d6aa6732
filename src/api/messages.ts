import { Router } from 'express';
import { inboundMessageSchema } from '../schemas/message';
import { acceptMessage, type IntakeDeps } from '../services/intake';
import { parseOrThrow } from './validate';

export function messagesRouter(deps: IntakeDeps): Router {
  const router = Router();
  router.post('/v1/messages', async (req, res) => {
    const input = parseOrThrow(inboundMessageSchema, req.body);
    res.status(200).json(await acceptMessage(deps, input));
  });
  return router;
}
