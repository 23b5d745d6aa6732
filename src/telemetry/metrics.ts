import { metrics, type Counter, type Histogram } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { Resource } from '@opentelemetry/resources';

let reader: PrometheusExporter | undefined;
const serializer = new PrometheusSerializer();

/** The process's meters, pulled by Prometheus at /metrics (no push, so nothing to configure or wait for). */
export function startMetrics(serviceName: string): void {
  if (reader) return;
  reader = new PrometheusExporter({ preventServerStart: true });
  metrics.setGlobalMeterProvider(new MeterProvider({ resource: new Resource({ 'service.name': serviceName }), readers: [reader] }));
}

/** Prometheus text exposition of every Parley metric in this process. */
export async function prometheusText(): Promise<string> {
  if (!reader) return '';
  const { resourceMetrics } = await reader.collect();
  return serializer.serialize(resourceMetrics);
}

export interface ParleyMetrics {
  messagesAccepted: Counter;
  messagesRejected: Counter<{ code: string }>;
  acceptSeconds: Histogram;
  rateLimitSeconds: Histogram;
  endToEndSeconds: Histogram;
  deliveries: Counter<{ outcome: string }>;
  attemptsPerDelivery: Histogram;
  rateLimited: Counter<{ budget: string }>;
}

let instruments: ParleyMetrics | undefined;
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600];

/** Made on first use, after startMetrics: the API hands out no-op meters until a provider is set. */
export function parleyMetrics(): ParleyMetrics {
  if (instruments) return instruments;
  if (!reader) return makeInstruments(); // no-op meters, not kept
  instruments = makeInstruments();
  return instruments;
}

function makeInstruments(): ParleyMetrics {
  const meter = metrics.getMeter('parley');
  const seconds = (name: string, description: string) => meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: LATENCY_BUCKETS } });
  return {
    messagesAccepted: meter.createCounter('parley_messages_accepted', { description: 'Messages durably queued (POST /v1/messages answered 200)' }),
    messagesRejected: meter.createCounter('parley_messages_rejected', { description: 'POST /v1/messages answered with an error, by error code' }),
    acceptSeconds: seconds('parley_accept_duration_seconds', 'POST /v1/messages: request received to answer sent, when accepted'),
    rateLimitSeconds: seconds('parley_rate_limit_duration_seconds', 'Consulting the shared rate limiter for one message (its budgets in the database)'),
    endToEndSeconds: seconds('parley_end_to_end_duration_seconds', 'A user message accepted to the webhook answering 2xx for a reply to it'),
    deliveries: meter.createCounter('parley_webhook_deliveries', { description: 'Webhook delivery attempts by outcome (delivered, failed, forbidden, channel_disabled, channel_gone)' }),
    attemptsPerDelivery: meter.createHistogram('parley_webhook_attempts_per_delivery', { description: 'Attempts a delivery took, counted when it is delivered', advice: { explicitBucketBoundaries: [1, 2, 3, 4, 5, 6, 7, 8] } }),
    rateLimited: meter.createCounter('parley_rate_limited', { description: 'Requests refused with 429, by budget' }),
  };
}
