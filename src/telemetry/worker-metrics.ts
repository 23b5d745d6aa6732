import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { prometheusText } from './metrics';

const TEMPORAL_METRICS_TIMEOUT_MS = 2_000;

/**
 * The worker's /metrics: Parley's own metrics, then the Temporal SDK's (served by its runtime on a loopback
 * port), so one scrape target has both.
 */
export async function serveWorkerMetrics(host: string, port: number, temporalMetricsPort: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') return void res.writeHead(404).end();
    void Promise.all([prometheusText(), temporalMetrics(temporalMetricsPort)]).then(
      ([own, temporal]) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${own}\n${temporal}`),
      () => res.writeHead(500).end(),
    );
  });
  server.listen(port, host);
  await once(server, 'listening');
  return server;
}

async function temporalMetrics(port: number): Promise<string> {
  if (port === 0) return '';
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(TEMPORAL_METRICS_TIMEOUT_MS) }).catch(() => null);
  return response?.ok ? response.text() : '# Temporal SDK metrics unavailable\n';
}
