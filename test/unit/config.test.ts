import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config';

describe('config', () => {
  it('uses the embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    assert.equal(config.PORT, 3000);
    assert.equal(config.TEMPORAL_ADDRESS, '127.0.0.1:7233');
    assert.equal(config.TEMPORAL_TASK_QUEUE, 'parley-sessions');
    assert.equal(config.OUTBOUND_ALLOW_PRIVATE, false);
    assert.equal(config.SESSION_IDLE_TIMEOUT, 24 * 3_600_000);
  });

  it('parses durations and booleans from their text form', () => {
    const config = loadConfig({ SESSION_IDLE_TIMEOUT: '90s', OUTBOUND_ALLOW_PRIVATE: 'true', PORT: '8080' });
    assert.equal(config.SESSION_IDLE_TIMEOUT, 90_000);
    assert.equal(config.OUTBOUND_ALLOW_PRIVATE, true);
    assert.equal(config.PORT, 8080);
  });

  it('reads the webhook retry schedule as a list of durations, unset by default', () => {
    assert.deepEqual(loadConfig({ WEBHOOK_RETRY_SCHEDULE: '5s, 5m,2h' }).WEBHOOK_RETRY_SCHEDULE, [5_000, 300_000, 7_200_000]);
    assert.equal(loadConfig({}).WEBHOOK_RETRY_SCHEDULE, undefined);
  });

  it('still reads WEBHOOK_ALLOW_PRIVATE, the old name of OUTBOUND_ALLOW_PRIVATE, when the new one is unset', () => {
    assert.equal(loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'true' }).OUTBOUND_ALLOW_PRIVATE, true);
    assert.equal(loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'true', OUTBOUND_ALLOW_PRIVATE: 'false' }).OUTBOUND_ALLOW_PRIVATE, false);
  });

  it('leaves the worker\'s workflow task concurrency to src/temporal/worker.ts unless set', () => {
    assert.equal(loadConfig({}).WORKER_MAX_CONCURRENT_WORKFLOW_TASKS, undefined);
    assert.equal(loadConfig({ WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '8' }).WORKER_MAX_CONCURRENT_WORKFLOW_TASKS, 8);
  });

  it('treats an empty variable as unset', () => {
    assert.equal(loadConfig({ PORT: '' }).PORT, 3000);
  });

  for (const [name, value] of [
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['TEMPORAL_ADDRESS', 'no-port'],
    ['MONGODB_URI', 'postgres://x'],
    ['OUTBOUND_ALLOW_PRIVATE', 'yes'],
    ['WEBHOOK_ALLOW_PRIVATE', 'yes'],
    ['LOG_LEVEL', 'loud'],
    ['SESSION_IDLE_TIMEOUT', '10 minutes'],
    ['SESSION_IDLE_TIMEOUT', '0s'],
    ['WEBHOOK_RETRY_SCHEDULE', '5s,,5m'],
    ['WEBHOOK_RETRY_SCHEDULE', '5s,soon'],
    ['WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', '1'],
    ['WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 'many'],
  ] as const) {
    it(`refuses ${name}=${JSON.stringify(value)} and names the variable`, () => {
      assert.throws(() => loadConfig({ [name]: value }), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, new RegExp(`^invalid configuration: ${name}: `));
        return true;
      });
    });
  }
});
