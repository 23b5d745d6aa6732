import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../logger';

const PINO_METHOD = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/** Routes the Temporal SDK's own log lines (worker state, activity failures) into our JSON logger. */
export function installTemporalLogging(logger: Logger): void {
  const level = (Object.keys(PINO_METHOD) as LogLevel[]).find((l) => PINO_METHOD[l] === logger.level) ?? 'ERROR';
  Runtime.install({
    logger: new DefaultLogger(level, ({ level: entryLevel, message, meta }: LogEntry) => {
      const { error, ...temporal } = meta ?? {};
      logger[PINO_METHOD[entryLevel]]({ temporal, err: error }, message);
    }),
  });
}
