// First import of test/tools/record-histories.ts: record as a production worker runs by default, traced (spans
// made, then dropped), so histories carry the OpenTelemetry interceptors' SDK flags and headers.
import { startTracing } from '../../src/telemetry/tracing';

startTracing({ serviceName: 'parley-record-histories', disabled: false, export: 'none' });
