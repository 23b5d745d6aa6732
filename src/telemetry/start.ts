import { ConfigError, loadConfig } from '../config';
import { startMetrics } from './metrics';
import { startTracing, tracingSettings, type Tracing } from './tracing';

/**
 * Tracing and metrics for a process, started before anything that they instrument is loaded. A bad
 * configuration starts nothing here: the process's own loadConfig reports it and exits.
 */
export function startTelemetry(serviceName: string): Tracing | undefined {
  startMetrics(serviceName);
  try {
    return startTracing(tracingSettings(loadConfig(), serviceName));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return undefined;
  }
}
