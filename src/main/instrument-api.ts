// First import of src/main/api.ts: instrumentation has to patch http, express and mongodb before they load.
import { startTelemetry } from '../telemetry/start';

startTelemetry('parley-api');
