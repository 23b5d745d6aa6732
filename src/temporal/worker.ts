import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker, type WorkerOptions, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { version } from '../../package.json';
import type { Tracing } from '../telemetry/tracing';

export interface SessionWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  workflowBundle: WorkflowBundle;
  allowPrivateWebhooks: boolean;
  /** Payload encryption, the same as the clients' (encryptingDataConverter). */
  dataConverter: DataConverter;
  /** On: workflows and activities are spans of the message's trace (the bundle must be built traced too). */
  tracing?: Tracing;
  /** The sticky cache's size (the SDK's default when absent); 0 makes every workflow task replay its history. */
  maxCachedWorkflows?: number;
  /** Workflow tasks taken at once (DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS when absent). */
  maxConcurrentWorkflowTasks?: number;
}

/**
 * Workflow tasks the worker takes at once. Every task runs in one workflow thread, and tasks taken together
 * share it activation by activation: after a restart (an empty cache) each task replays its session's history,
 * about 1 s of CPU for a run near continue-as-new, so with the SDK's default of 40 every one of them took
 * longer than Temporal's 10 s task timeout, timed out, and replayed again on its next attempt, for good (the
 * soak run: 30 sessions, none answering after a minute of drain). Four replays at a time finish well inside the
 * timeout; the others wait in Temporal's queue, which costs them no attempt. Cached sessions take a few
 * milliseconds a task, so four in flight keep the thread busy.
 */
export const DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS = 4;

// Light tracing interceptors: trace context through the session, spans out through the package's sink (see the module).
const WORKFLOW_INTERCEPTORS = require.resolve('../../workflows/tracing-interceptors');

// Libraries evaluated once per worker, not once per cached session (see the module).
const SHARED_LIBRARIES = require.resolve('../../workflows/shared/libraries');

/** Bundles the workflow code once (webpack); the worker then loads it without rebuilding. */
export async function bundleSessionWorkflows(traced: boolean): Promise<WorkflowBundle> {
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    workflowInterceptorModules: traced ? [WORKFLOW_INTERCEPTORS] : [],
    preloadModules: [SHARED_LIBRARIES],
    logger: new DefaultLogger('WARN'),
  });
}

/**
 * The worker half of tracing: activity spans continue the trace from their headers; workflow spans are made
 * in the sandbox (the bundle's interceptors) and leave it through the `exporter` sink.
 */
export function tracingWorkerOptions(tracing: Tracing | undefined): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  if (!tracing?.enabled) return {};
  return {
    interceptors: {
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}

export async function createSessionWorker(options: SessionWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle,
    dataConverter: options.dataConverter,
    activities: createActivities({ allowPrivate: options.allowPrivateWebhooks, userAgent: `Parley/${version}` }),
    ...tracingWorkerOptions(options.tracing),
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
    maxConcurrentWorkflowTaskExecutions: options.maxConcurrentWorkflowTasks ?? DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS,
  });
}
