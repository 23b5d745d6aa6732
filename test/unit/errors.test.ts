import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { responsesOf, ROUTES } from '../../src/api/openapi-routes';
import { Conflict, ERRORS, errorTableMarkdown, NotFound, ParleyError } from '../../src/errors';

describe('the error catalogue (src/errors.ts)', () => {
  it('is what the README\'s error table says, row for row', () => {
    const readme = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');
    assert.ok(readme.includes(errorTableMarkdown()), 'README.md: paste errorTableMarkdown() from src/errors.ts over the error table');
  });

  it('holds every code the OpenAPI document names, under the status the document gives it', () => {
    const misplaced: string[] = [];
    for (const route of ROUTES) {
      for (const [status, description] of Object.entries(responsesOf(route))) {
        if (Number(status) < 400) continue;
        // Codes are snake_case words (a lone word such as "unauthorized" counts when it is a code).
        for (const word of description.match(/\b[a-z]+(?:_[a-z]+)*\b/g) ?? []) {
          const known = (ERRORS as Record<string, { status: number }>)[word];
          if (word.includes('_') && !known) misplaced.push(`${route.method} ${route.path} ${status}: ${word} is not in the catalogue`);
          else if (known && known.status !== Number(status)) misplaced.push(`${route.method} ${route.path} ${status}: ${word} is a ${known.status}`);
        }
      }
    }
    assert.deepEqual(misplaced, []);
  });

  it('gives each error the status of its code; a class takes only its status\'s codes (checked by tsc)', () => {
    assert.deepEqual([new NotFound('channel_not_found').status, new Conflict('keyword_taken', 'x').status, new ParleyError('unavailable', 'x').status], [404, 409, 503]);
    // @ts-expect-error: channel_not_found is a 404, not a 409 (tsc fails here if the typing lets it through)
    assert.equal(new Conflict('channel_not_found', 'x').status, 404);
  });
});
