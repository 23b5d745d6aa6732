import assert from 'node:assert/strict';
import { responsesRecorded, undocumentedCodes, unproducedResponses } from '../helpers/response-coverage';

// Runs after the e2e suites, in their mocha process (the last spec of test:e2e): it reads what their stacks answered.
describe('the OpenAPI document against what the tests saw', () => {
  it('has every documented response code produced by some test', function () {
    // Run alone (without the e2e suites) there is nothing to compare; the full `npm test` always has them.
    if (responsesRecorded() === 0) this.skip();
    assert.deepEqual(unproducedResponses(), []);
  });

  it('documents every error code a route answered with on that route (src/api/openapi-routes.ts, from the catalogue)', function () {
    if (responsesRecorded() === 0) this.skip();
    assert.deepEqual(undocumentedCodes(), []);
  });
});
