import { Router } from 'express';
import { z } from 'zod';
import { inboundMessageSchema } from '../schemas/message';
import type { AcceptMessage } from '../services/messages/intake';
import { writeRateLimitHeaders } from './rate-limit-headers';
import { parseOrThrow } from '../schemas/parse';
import { parleyMetrics } from '../telemetry/metrics';

/** The Idempotency-Key header (README, "Idempotency"): printable ASCII, 1–255 characters. */
export const idempotencyHeadersSchema = z.object({
  'idempotency-key': z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces').optional(),
});

export function messagesRouter(acceptMessage: AcceptMessage): Router {
  const router = Router();
  router.post('/v1/messages', async (req, res) => {
    const started = performance.now();
    const headers = parseOrThrow(idempotencyHeadersSchema, req.headers, 'headers');
    const input = parseOrThrow(inboundMessageSchema, req.body);
    const { accepted, replayed } = await acceptMessage(input, {
      ...(headers['idempotency-key'] === undefined ? {} : { idempotencyKey: headers['idempotency-key'] }),
      clientAddress: req.ip ?? 'unknown',
      onAllowance: (allowance) => writeRateLimitHeaders(res, allowance),
    });
    if (replayed) res.setHeader('idempotent-replayed', 'true');
    res.status(200).json(accepted);
    const metrics = parleyMetrics();
    metrics.messagesAccepted.add(1);
    metrics.acceptSeconds.record((performance.now() - started) / 1000);
  });
  return router;
}
