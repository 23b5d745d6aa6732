import assert from 'node:assert/strict';
import { runSchemathesis } from '../helpers/schemathesis';

describe('schemathesis against /openapi.json (live stack, fixed seed)', function () {
  this.timeout(150_000);

  it('finds no 5xx, no undocumented status code and no body off its schema', async () => {
    // Bounded for `npm test` (about a minute here, killed at two); `npm run fuzz` runs longer.
    const result = await runSchemathesis({ seed: 42, maxExamples: 10, timeoutMs: 120_000, reportDir: 'test-output/schemathesis' });
    console.log(`      schemathesis: ${result.cases} cases, ${result.failures} failures`);
    assert.equal(result.exitCode, 0, result.output.slice(-4_000));
    assert.ok(result.cases > 500, `only ${result.cases} cases ran`);
    assert.equal(result.failures, 0);
  });
});
