import type { Client } from '@temporalio/client';
import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { tracingWorkerOptions } from '../temporal/worker';

/** One run of a workflow: continue-as-new and a new run after idling keep the ID and change the run. */
export interface WorkflowRun {
  workflowId: string;
  runId: string;
}

export interface ReplayFailure extends WorkflowRun {
  error: string;
}

export interface ReplayReport {
  replayed: number;
  failures: ReplayFailure[];
}

/** Every run (open or closed) that a visibility query finds, e.g. `ChannelKey = "…"` or `WorkflowId = "…"`. */
export async function listRuns(client: Client, query: string): Promise<WorkflowRun[]> {
  const runs: WorkflowRun[] = [];
  for await (const execution of client.workflow.list({ query })) runs.push({ workflowId: execution.workflowId, runId: execution.runId });
  return runs;
}

/** Every run of these workflow IDs, earlier runs included; the latest is described directly, visibility may lag. */
export async function runsOfWorkflows(client: Client, workflowIds: readonly string[]): Promise<WorkflowRun[]> {
  const runs = await Promise.all(workflowIds.map(async (workflowId) => {
    const listed = await listRuns(client, `WorkflowId = ${JSON.stringify(workflowId)}`);
    const { runId } = await client.workflow.getHandle(workflowId).describe();
    return listed.some((run) => run.runId === runId) ? listed : [...listed, { workflowId, runId }];
  }));
  return runs.flat();
}

/**
 * Downloads each run's history (what the Temporal UI's "Download" gives) and replays it against `options`'s
 * workflow code, one at a time: a failure names the run and says what went wrong.
 */
export async function replayRuns(client: Client, runs: readonly WorkflowRun[], options: ReplayWorkerOptions): Promise<ReplayReport> {
  const histories = async function* () {
    for (const { workflowId, runId } of runs) {
      const history: temporal.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      yield { workflowId, history };
    }
  };
  const failures: ReplayFailure[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(options, histories())) {
    replayed++;
    if (result.error) failures.push({ workflowId: result.workflowId, runId: result.runId, error: `${result.error.name}: ${result.error.message}` });
  }
  return { replayed, failures };
}

/**
 * Replay options as `npm run replay` uses them: traced (a superset of what a worker runs, so histories recorded
 * either way replay), with the spans going nowhere. The bundle must be built traced too.
 */
export function tracedReplayOptions(): Pick<ReplayWorkerOptions, 'interceptors' | 'sinks'> {
  return tracingWorkerOptions({ enabled: true, spanProcessor: new NoopSpanProcessor(), resource: Resource.empty(), shutdown: async () => undefined });
}
