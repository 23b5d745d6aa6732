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
import { PATCHES, RETIRED_PATCH_IDS } from '../../workflows/patches';

const HISTORIES = resolve(__dirname, '../histories');
const files = readdirSync(HISTORIES).filter((name) => name.endsWith('.json')).sort();
const load = (name: string): unknown => JSON.parse(readFileSync(join(HISTORIES, name), 'utf8'));

describe('replay of recorded session histories (test/histories)', function () {
  this.timeout(60_000);

  it('has recorded histories to replay', () => {
    assert.ok(files.length >= 2, `expected at least two histories, found ${files.length}`);
  });

  it('holds no patch marker the code does not know: a patch removed without recording its histories again shows here', () => {
    const unknown = files.flatMap((name) => patchMarkers(load(name)).filter((id) => !(id in PATCHES)).map((id) => `${name}: ${id}`));
    assert.deepEqual(unknown, []);
    assert.ok(Object.keys(PATCHES).every((id) => !(RETIRED_PATCH_IDS as readonly string[]).includes(id)), 'a retired patch id is reused');
  });

  it('records the sessions as today\'s code runs them: routes with the signal (no local activity), no legacy activity', () => {
    const history = JSON.stringify(files.map(load));
    assert.equal(history.match(/"markerName":"core_local_activity"/g), null);
    assert.doesNotMatch(history, /"activityType":\{"name":"(deliverWebhook|loadFlow)"/);
  });

  for (const name of files) {
    it(`replays ${name} with the current workflow code`, async () => {
      // With the tracing interceptors and the payload codec, as a traced worker replays them (the histories are
      // recorded encrypted with the development key; an unencrypted payload would pass through the codec).
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), dataConverter: encryptingDataConverter(payloadKeysOf({})), ...tracingWorkerOptions(testTracing) }, load(name));
    });
  }

  it('catches a change made without patched() as non-deterministic', async () => {
    await assert.rejects(
      Worker.runReplayHistory({ workflowsPath: require.resolve('./fixtures/delayed-session'), dataConverter: encryptingDataConverter(payloadKeysOf({})) }, load(files[0]!)),
      DeterminismViolationError,
    );
  });
});

/** The patch ids of a history's patch markers (core writes their details as plain JSON payloads). */
function patchMarkers(history: unknown): string[] {
  const events = (history as { events?: { markerRecordedEventAttributes?: { markerName?: string; details?: Record<string, { payloads?: { data?: string }[] }> } }[] }).events ?? [];
  return events.flatMap(({ markerRecordedEventAttributes: marker }) => {
    if (marker?.markerName !== 'core_patch') return [];
    const data = marker.details?.['patch-data']?.payloads?.[0]?.data;
    const decoded = data ? (JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { id?: string }) : {};
    return [decoded.id ?? '(unreadable patch marker)'];
  });
}
