import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../logger';

const PINO_METHOD = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * Routes the Temporal SDK's own log lines (worker state, activity failures) into our JSON logger and, when a
 * port is given, serves its worker metrics (task latencies, slots, polls) for Prometheus on loopback.
 */
export function installTemporalRuntime(logger: Logger, metricsPort = 0): void {
  const level = (Object.keys(PINO_METHOD) as LogLevel[]).find((l) => PINO_METHOD[l] === logger.level) ?? 'ERROR';
  Runtime.install({
    logger: new DefaultLogger(level, ({ level: entryLevel, message, meta }: LogEntry) => {
      const { error, ...temporal } = meta ?? {};
      logger[PINO_METHOD[entryLevel]]({ temporal, err: error }, message);
    }),
    ...(metricsPort > 0 ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${metricsPort}`, countersTotalSuffix: true } } } } : {}),
  });
}
