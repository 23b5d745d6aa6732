import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startMetrics } from '../../src/telemetry/metrics';
import { startTracing } from '../../src/telemetry/tracing';

/**
 * The test run is traced as production is (loaded first by test/setup.ts, before http, express and mongodb),
 * into memory: tests read the spans of what they just did. Emptied before each test.
 */
export const recordedSpans = new InMemorySpanExporter();
export const testTracing = startTracing({ serviceName: 'parley-test', disabled: false, export: 'none', spanProcessor: new SimpleSpanProcessor(recordedSpans) });
startMetrics('parley-test');
