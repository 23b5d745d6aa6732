// First import of src/main/worker.ts: instrumentation has to patch http and mongodb before they load.
import { startTelemetry } from '../telemetry/start';

startTelemetry('parley-worker');
