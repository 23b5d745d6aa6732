import type { Client } from '@temporalio/client';
import { replayRuns, runsOfWorkflows, type ReplayReport } from '../../src/dev/replay-histories';
import { tracingWorkerOptions } from '../../src/temporal/worker';
import { workflowBundle } from './servers';
import { payloadKeysOf } from '../../src/config';
import { encryptingDataConverter } from '../../src/temporal/payload-codec';
import { testTracing } from './tracing';

/**
 * Fetches every run of these workflows from the test run's dev server and replays each history against the
 * current code, with the shared bundle and the tracing interceptors, as test/replay does with recorded ones.
 */
export async function replayLiveHistories(client: Client, workflowIds: readonly string[]): Promise<ReplayReport & { runs: number }> {
  const runs = await runsOfWorkflows(client, workflowIds);
  const report = await replayRuns(client, runs, { workflowBundle: await workflowBundle(), dataConverter: encryptingDataConverter(payloadKeysOf({})), ...tracingWorkerOptions(testTracing) });
  return { ...report, runs: runs.length };
}

/** One line per failed run, for an assertion message. */
export function describeFailures({ failures }: ReplayReport): string {
  return failures.map(({ workflowId, runId, error }) => `${workflowId} (run ${runId}): ${error.split('\n')[0]}`).join('\n');
}
