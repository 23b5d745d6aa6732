import './instrument-worker';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig, payloadKeysOf } from '../config';
import { connectDatabase, disconnectDatabase } from '../db/connect';
import { createLogger, type Logger } from '../logger';
import { installTemporalRuntime } from '../temporal/logging';
import { processTracing } from '../telemetry/tracing';
import { serveWorkerMetrics } from '../telemetry/worker-metrics';
import { ensureSearchAttributes } from '../temporal/search-attributes';
import { encryptingDataConverter } from '../temporal/payload-codec';
import { bundleSessionWorkflows, createSessionWorker } from '../temporal/worker';
import { exitOnStartupError } from './startup';

/** The worker process: runs session workflows and their activities until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'worker');
  installTemporalRuntime(logger, config.TEMPORAL_METRICS_PORT);
  const tracing = processTracing();
  if (!config.PAYLOAD_ENCRYPTION_KEYS) logger.warn('PAYLOAD_ENCRYPTION_KEYS is unset: Temporal payloads are encrypted with the public development key');
  await connectDatabase(config.MONGODB_URI);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  await registerSearchAttributes(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE, logger);
  const worker = await createSessionWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowBundle: await bundleSessionWorkflows(tracing?.enabled ?? false),
    allowPrivateWebhooks: config.OUTBOUND_ALLOW_PRIVATE,
    dataConverter: encryptingDataConverter(payloadKeysOf(config)),
    ...(tracing ? { tracing } : {}),
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    ...(config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS ? { maxConcurrentWorkflowTasks: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS } : {}),
  });
  const metrics = config.WORKER_METRICS_PORT > 0 ? await serveWorkerMetrics(config.HOST, config.WORKER_METRICS_PORT, config.TEMPORAL_METRICS_PORT) : null;
  logger.info({ temporal: config.TEMPORAL_ADDRESS, taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker polling');
  await worker.run(); // the SDK shuts the worker down gracefully on SIGINT/SIGTERM
  await connection.close();
  await disconnectDatabase();
  metrics?.close();
  await tracing?.shutdown();
  logger.info('worker stopped');
}

/** Any server (dev, auto-setup, self-hosted) gets the session search attributes; a refusal is logged, not fatal. */
async function registerSearchAttributes(address: string, namespace: string, logger: Logger): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const added = await ensureSearchAttributes(connection, namespace);
    if (added.length > 0) logger.info({ added }, 'registered search attributes');
  } catch (err) {
    logger.warn({ err }, 'could not register search attributes; register them with `temporal operator search-attribute create`');
  } finally {
    await connection.close();
  }
}

main().catch(exitOnStartupError);
