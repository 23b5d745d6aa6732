import { Router } from 'express';
import { inboundMessageSchema } from '../schemas/message';
import type { AcceptMessage } from '../services/intake';
import { parseOrThrow } from './validate';

export function messagesRouter(acceptMessage: AcceptMessage): Router {
  const router = Router();
  router.post('/v1/messages', async (req, res) => {
    const input = parseOrThrow(inboundMessageSchema, req.body);
    res.status(200).json(await acceptMessage(input));
  });
  return router;
}
