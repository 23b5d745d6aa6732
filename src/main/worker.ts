import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config';
import { connectDatabase, disconnectDatabase } from '../db/connect';
import { createLogger } from '../logger';
import { bundleSessionWorkflows, createSessionWorker } from '../temporal/worker';
import { exitOnStartupError } from './startup';

/** The worker process: runs session workflows and their activities until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'worker');
  await connectDatabase(config.MONGODB_URI);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createSessionWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowBundle: await bundleSessionWorkflows(),
    allowPrivateWebhooks: config.WEBHOOK_ALLOW_PRIVATE,
  });
  logger.info({ temporal: config.TEMPORAL_ADDRESS, taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker polling');
  await worker.run(); // the SDK shuts the worker down gracefully on SIGINT/SIGTERM
  await connection.close();
  await disconnectDatabase();
  logger.info('worker stopped');
}

main().catch(exitOnStartupError);
