import type { RequestHandler } from 'express';
import { MethodNotAllowed } from '../errors';
import { ROUTES } from './openapi-routes';

/**
 * Each documented path as a pattern, with the methods it answers (HEAD wherever GET is: Express serves it). Paths
 * with fewer parameters first, so …/deliveries/redeliver is itself, not …/deliveries/:webhookId.
 */
const PATHS = [...new Set(ROUTES.map((route) => route.path))]
  .map((path) => {
    const methods = ROUTES.filter((route) => route.path === path).map((route) => route.method.toUpperCase());
    const pattern = new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z]+/g, '[^/]+')}/?$`);
    return { pattern, parameters: path.split(':').length, methods: methods.includes('GET') ? [...methods, 'HEAD'] : methods };
  })
  .sort((a, b) => a.parameters - b.parameters);

const documentedPath = (path: string) => PATHS.find(({ pattern }) => pattern.test(path));

/** Before the routes: OPTIONS on a known path lists the methods the document gives it (Express's would add GET of a sibling route). */
export const answerOptions: RequestHandler = (req, res, next) => {
  // A CORS preflight is the CORS handler's to answer.
  const known = req.method === 'OPTIONS' && !req.headers['access-control-request-method'] ? documentedPath(req.path) : undefined;
  if (!known) return next();
  res.setHeader('allow', known.methods.join(', '));
  res.status(204).end();
};

/** After every route: a known path asked with another method is 405 with Allow, not 404 (RFC 9110 §15.5.6). */
export const methodNotAllowed: RequestHandler = (req, res, next) => {
  const known = documentedPath(req.path);
  if (!known) return next();
  res.setHeader('allow', known.methods.join(', '));
  next(new MethodNotAllowed(req.method, known.methods));
};
