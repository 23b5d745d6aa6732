import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { pingDatabase } from '../db/connect';
import { prometheusText } from '../telemetry/metrics';
import type { RateLimits } from '../services/limits/rate-limits';
import { Unavailable } from '../errors';

const READY_TIMEOUT_MS = 2_000;

export function healthRouter(temporal: Client, rateLimits: RateLimits): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  router.get('/readyz', async (_req, res) => {
    const [database, temporalServer, rateLimiter] = await Promise.allSettled([
      withTimeout(pingDatabase()),
      temporal.connection.withDeadline(Date.now() + READY_TIMEOUT_MS, () => temporal.workflowService.getSystemInfo({})),
      withTimeout(rateLimits.ping()),
    ]);
    if (database.status === 'rejected') throw new Unavailable('the database');
    if (temporalServer.status === 'rejected') throw new Unavailable('Temporal');
    if (rateLimiter.status === 'rejected') throw new Unavailable('the rate limiter (Redis)');
    res.json({ ok: true, database: 'up', temporal: 'up', rateLimiter: 'up' });
  });
  router.get('/metrics', async (_req, res) => {
    res.type('text/plain; version=0.0.4').send(await prometheusText());
  });
  return router;
}

function withTimeout<T>(work: Promise<T>): Promise<T> {
  return Promise.race([
    work,
    new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('timed out')), READY_TIMEOUT_MS).unref()),
  ]);
}
