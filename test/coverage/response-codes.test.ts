import assert from 'node:assert/strict';
import { responsesRecorded, unproducedResponses } from '../helpers/response-coverage';

// Runs after every other suite (the last spec glob in .mocharc.json): it reads what their stacks answered.
describe('the OpenAPI document against what the tests saw', () => {
  it('has every documented response code produced by some test', function () {
    // Run alone (without the e2e suites) there is nothing to compare; the full `npm test` always has them.
    if (responsesRecorded() === 0) this.skip();
    assert.deepEqual(unproducedResponses(), []);
  });
});
