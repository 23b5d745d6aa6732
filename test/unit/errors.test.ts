import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openApiDocument } from '../../src/api/openapi';
import { errorsOf, responsesOf, ROUTES } from '../../src/api/openapi-routes';
import { Conflict, ERRORS, errorTableMarkdown, NotFound, ParleyError, type ErrorCode } from '../../src/errors';

describe('the error catalogue (src/errors.ts)', () => {
  it('is what the README\'s error table says, row for row', () => {
    const readme = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');
    assert.ok(readme.includes(errorTableMarkdown()), 'README.md: paste errorTableMarkdown() from src/errors.ts over the error table');
  });

  it('is where every error answer of the OpenAPI document comes from: each catalogue code is documented on a route', () => {
    const document = JSON.stringify(openApiDocument());
    // Answered by the app itself on any path, never by one route, or only by the CLI (session_not_running):
    // documented once, in the catalogue.
    const routeless = ['not_found', 'method_not_allowed', 'internal_error', 'session_not_running'];
    const undocumented = Object.keys(ERRORS).filter((code) => !routeless.includes(code) && !ROUTES.some((route) => errorsOf(route).includes(code as ErrorCode)));
    assert.deepEqual(undocumented, []);
    // Each error response lists its codes with the catalogue's words, under the catalogue's status.
    const messages = ROUTES.find((route) => route.path === '/v1/messages' && route.method === 'post')!;
    assert.deepEqual(responsesOf(messages)[404], { description: `\`user_not_found\`: ${ERRORS.user_not_found.description}`, codes: ['user_not_found'] });
    assert.ok(document.includes(JSON.stringify({ enum: ['rate_limited', 'too_many_failed_attempts'] })), 'the 429 body narrows `code` to its codes');
  });

  it('gives each error the status of its code; a class takes only its status\'s codes (checked by tsc)', () => {
    assert.deepEqual([new NotFound('channel_not_found').status, new Conflict('keyword_taken', 'x').status, new ParleyError('unavailable', 'x').status], [404, 409, 503]);
    // @ts-expect-error: channel_not_found is a 404, not a 409 (tsc fails here if the typing lets it through)
    assert.equal(new Conflict('channel_not_found', 'x').status, 404);
  });
});
