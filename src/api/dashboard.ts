import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import express, { Router } from 'express';

const DIST = resolve(__dirname, '../../dashboard/dist');

export interface DashboardSettings {
  /** Where the dashboard links a session to (the Temporal Web UI). */
  temporalUiUrl: string;
  namespace: string;
}

/** /dashboard: the built web app (dashboard/, `npm run build`), which only calls the documented API. */
export function dashboardRouter(settings: DashboardSettings): Router {
  const router = Router();
  router.get('/dashboard/config.json', (_req, res) => {
    res.json(settings);
  });
  router.get('/dashboard', (_req, res, next) => {
    // Not built (`npm start` and `npm test` build it): an unknown route, like any other.
    if (!existsSync(resolve(DIST, 'index.html'))) return next();
    res.setHeader('content-security-policy', "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
    res.sendFile(resolve(DIST, 'index.html'));
  });
  router.use('/dashboard', express.static(DIST, { index: false, maxAge: '1h' }));
  return router;
}
