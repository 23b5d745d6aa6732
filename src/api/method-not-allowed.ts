import type { RequestHandler } from 'express';
import { MethodNotAllowed } from './errors';
import { ROUTES } from './openapi-routes';

/** Each documented path as a pattern, with the methods it answers (HEAD wherever GET is: Express serves it). */
const PATHS = [...new Set(ROUTES.map((route) => route.path))].map((path) => {
  const methods = ROUTES.filter((route) => route.path === path).map((route) => route.method.toUpperCase());
  const pattern = new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z]+/g, '[^/]+')}/?$`);
  return { pattern, methods: methods.includes('GET') ? [...methods, 'HEAD'] : methods };
});

/** After every route: a known path asked with another method is 405 with Allow, not 404 (RFC 9110 §15.5.6). */
export const methodNotAllowed: RequestHandler = (req, res, next) => {
  const known = PATHS.find(({ pattern }) => pattern.test(req.path));
  if (!known) return next();
  res.setHeader('allow', known.methods.join(', '));
  next(new MethodNotAllowed(req.method, known.methods));
};
