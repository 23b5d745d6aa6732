import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../helpers/servers';
import { tracingWorkerOptions } from '../../src/temporal/worker';
import { testTracing } from '../helpers/tracing';
import { payloadKeysOf } from '../../src/config';
import { encryptingDataConverter } from '../../src/temporal/payload-codec';
import { BOUNDED_STATE_PATCH, LINEAR_TIME_REGEX_PATCH, NEW_USER_WITHOUT_LOAD_PATCH, ONE_WAKE_TIMER_PATCH, ROUTE_WITH_SIGNAL_PATCH, SHORT_RUNS_PATCH } from '../../workflows/patches';

const HISTORIES = resolve(__dirname, '../histories');
const files = readdirSync(HISTORIES).filter((name) => name.endsWith('.json')).sort();
const load = (name: string): unknown => JSON.parse(readFileSync(join(HISTORIES, name), 'utf8'));

describe('replay of recorded session histories (test/histories)', function () {
  this.timeout(60_000);

  it('has recorded histories to replay', () => {
    assert.ok(files.length >= 2, `expected at least two histories, found ${files.length}`);
  });

  it('keeps histories from before and after the patched() deployment check, so both code paths replay', () => {
    const patchedIn = (name: string) => decodedPayloads(load(name)).some((text) => text.includes('stop-bots-of-deleted-deployments'));
    assert.equal(patchedIn('conversation-then-idle.json'), false, 'recorded before the patch');
    assert.equal(patchedIn('deployment-deleted-mid-conversation.json'), true, 'recorded with the patch');
  });

  it('keeps histories from before and after the resume-during-attempt fix, the later one recorded traced', () => {
    const patchedIn = (name: string) => decodedPayloads(load(name)).some((text) => text.includes('keep-resume-signalled-during-attempt'));
    assert.equal(patchedIn('delivery-channel-disabled-then-reenabled.json'), false, 'recorded before the patch');
    assert.equal(patchedIn('traced-delivery-channel-disabled-then-reenabled.json'), true, 'recorded with the patch');
  });

  it('keeps histories from before and after the retry schedule moved into the workflow', () => {
    const scheduled = (name: string) => decodedPayloads(load(name)).some((text) => text.includes('webhook-retry-schedule-in-workflow'));
    assert.equal(scheduled('delivery-retried-then-idle.json'), false, 'retried by the activity retry policy');
    assert.equal(scheduled('delivery-retry-timer-then-idle.json'), true, 'retried after a workflow timer');
    assert.equal(scheduled('delivery-channel-disabled-then-reenabled.json'), true);
  });

  it('keeps histories from before and after sessions stopped using local activities, regex RE2 and state bounds', () => {
    const has = (name: string, patch: string) => decodedPayloads(load(name)).some((text) => text.includes(patch));
    for (const patch of [ROUTE_WITH_SIGNAL_PATCH, LINEAR_TIME_REGEX_PATCH, BOUNDED_STATE_PATCH]) {
      assert.equal(has('support-desk-http-delay-handoff.json', patch), false, `${patch}: recorded before it`);
      assert.equal(has('routed-regex-restart-undeployed.json', patch), true, `${patch}: recorded with it`);
    }
    const markers = (name: string) => JSON.stringify(load(name)).match(/"markerName":"core_local_activity"/g)?.length ?? 0;
    assert.ok(markers('support-desk-http-delay-handoff.json') > 0, 'the old path used local activities');
    assert.equal(markers('routed-regex-restart-undeployed.json'), 0, 'the new path uses none');
  });

  it('keeps histories from before and after the main loop kept one lazily armed wake-up timer', () => {
    const has = (name: string) => decodedPayloads(load(name)).some((text) => text.includes(ONE_WAKE_TIMER_PATCH));
    assert.equal(has('routed-regex-restart-undeployed.json'), false, 'a timer started and cancelled per message');
    assert.equal(has('one-wake-timer-support-desk.json'), true);
    assert.equal(JSON.stringify(load('one-wake-timer-support-desk.json')).includes('EVENT_TYPE_TIMER_CANCELED'), false, 'no timer is cancelled');
  });

  it('keeps histories from before and after runs continued as new by history length', () => {
    const has = (name: string) => decodedPayloads(load(name)).some((text) => text.includes(SHORT_RUNS_PATCH));
    assert.equal(has('one-wake-timer-support-desk.json'), false);
    assert.equal(has('short-runs-support-desk.json'), true);
  });

  it("keeps histories from before and after a new user's first run started without loadSession", () => {
    const has = (name: string) => decodedPayloads(load(name)).some((text) => text.includes(NEW_USER_WITHOUT_LOAD_PATCH));
    const activities = (name: string) => JSON.stringify(load(name)).match(/"activityType":\{"name":"(\w+)"/g)?.join(' ') ?? '';
    assert.equal(has('short-runs-support-desk.json'), false);
    assert.match(activities('short-runs-support-desk.json'), /loadSession/);
    assert.equal(has('new-user-light-tracing-support-desk.json'), true);
    assert.doesNotMatch(activities('new-user-light-tracing-support-desk.json'), /loadSession/);
  });

  for (const name of files) {
    it(`replays ${name} with the current workflow code`, async () => {
      // With the tracing interceptors and the payload codec, as a traced worker replays them (most histories were
      // recorded without either: unencrypted payloads pass through the codec).
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), dataConverter: encryptingDataConverter(payloadKeysOf({})), ...tracingWorkerOptions(testTracing) }, load(name));
    });
  }

  it('catches a change made without patched() as non-deterministic', async () => {
    await assert.rejects(
      Worker.runReplayHistory({ workflowsPath: require.resolve('./fixtures/delayed-session') }, load(files[0]!)),
      DeterminismViolationError,
    );
  });
});

/** Every base64 payload `data` in a history, decoded: marker details, inputs and results. */
function decodedPayloads(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(decodedPayloads);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key === 'data' && typeof child === 'string' ? [Buffer.from(child, 'base64').toString('utf8')] : decodedPayloads(child),
  );
}
