// First import of bench/run.ts: with --tracing the process is traced as production is by default (spans made,
// not exported), before http, express and mongodb load. Compare a run with and without it.
import { startMetrics } from '../src/telemetry/metrics';
import { startTracing } from '../src/telemetry/tracing';

if (process.argv.includes('--tracing')) startTracing({ serviceName: 'parley-bench', disabled: false, export: 'none' });
startMetrics('parley-bench');
