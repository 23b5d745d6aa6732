import type { IncomingMessage } from 'node:http';
import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { Resource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ConsoleSpanExporter, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { Config } from '../config';

export type TraceExport = 'otlp' | 'console' | 'none';

export interface TracingSettings {
  serviceName: string;
  /** OTEL_SDK_DISABLED: no spans at all (and no traceparent on webhooks). */
  disabled: boolean;
  export: TraceExport;
  /** OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://collector:4318 */
  otlpEndpoint?: string;
  /** Tests pass an in-memory exporter's processor. */
  spanProcessor?: SpanProcessor;
}

/** What the worker needs to trace workflows (through the interceptors' sink) the same way. */
export interface Tracing {
  enabled: boolean;
  spanProcessor: SpanProcessor;
  resource: Resource;
  shutdown(): Promise<void>;
}

/** Settings from the environment: OTLP when an endpoint is set, unless OTEL_TRACES_EXPORTER says otherwise. */
export function tracingSettings(config: Config, serviceName: string): TracingSettings {
  return {
    serviceName,
    disabled: config.OTEL_SDK_DISABLED,
    export: config.OTEL_TRACES_EXPORTER ?? (config.OTEL_EXPORTER_OTLP_ENDPOINT ? 'otlp' : 'none'),
    ...(config.OTEL_EXPORTER_OTLP_ENDPOINT ? { otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT } : {}),
  };
}

/** Paths never traced: scrapes and probes would drown the traces that matter. */
const UNTRACED_PATHS = new Set(['/metrics', '/healthz', '/readyz']);

/**
 * Starts OpenTelemetry (JS SDK 1.x, the line @temporalio/interceptors-opentelemetry 1.24 builds on) with the
 * HTTP and MongoDB instrumentations. Must run before those modules load: src/main/instrument-*.ts.
 */
export function startTracing(settings: TracingSettings): Tracing {
  const resource = new Resource({ 'service.name': settings.serviceName });
  const spanProcessor = settings.spanProcessor ?? processorFor(settings);
  if (settings.disabled) return (current = { enabled: false, spanProcessor: new NoopSpanProcessor(), resource, shutdown: async () => undefined });
  const sdk = new NodeSDK({
    resource,
    // With no exporter, spans are still made (trace ids in logs, traceparent on webhooks) and dropped.
    spanProcessors: [spanProcessor],
    instrumentations: [
      new HttpInstrumentation({
        // Attachment URLs are their own key: not written into traces.
        ignoreIncomingRequestHook: (req: IncomingMessage) => {
          const path = (req.url ?? '').split('?')[0]!;
          return UNTRACED_PATHS.has(path) || path.startsWith('/v1/attachments/');
        },
        // A webhook URL's query may carry the integrator's own secret: keep scheme, host and path only.
        requestHook: (span, request) => {
          if (!('getHeader' in request) || typeof request.path !== 'string') return; // incoming: no URL is recorded
          const host = String(request.getHeader('host') ?? request.host);
          const path = request.path.split('?')[0]!;
          span.setAttributes({ 'http.url': `${request.protocol}//${host}${path}`, 'http.target': path });
        },
      }),
      new MongoDBInstrumentation({ dbStatementSerializer: statementShape }) as unknown as Instrumentation,
    ],
  });
  sdk.start();
  return (current = { enabled: true, spanProcessor, resource, shutdown: () => sdk.shutdown() });
}

/**
 * Names the request's server span after its route pattern ("POST /v1/messages", and `http.route`), as the HTTP
 * instrumentation does when told the route. In place of the Express instrumentation, whose span per route handler
 * cost CPU on every request and told nothing the request's own span does not.
 * Call it while the response is in flight (its 'finish'); without tracing it does nothing.
 */
export function nameRequestSpan(route: string): void {
  const metadata = getRPCMetadata(context.active());
  if (metadata?.type === RPCType.HTTP) metadata.route = route;
}

/**
 * `db.statement` as the command's shape two levels deep, values as "?" and arrays as their length:
 * `{"find":"?","filter":{"channelKey":"?","userID":"?"}}`, `{"update":"?","updates":"[1]"}`. The default walks
 * every document written (a reply's payload, the events' data) on every command, which cost the worker more
 * than the span told; operation and collection are attributes of their own.
 */
export function statementShape(command: Record<string, unknown>): string {
  const shape = (value: unknown, depth: number): unknown => {
    if (Array.isArray(value)) return `[${value.length}]`;
    const plain = value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value));
    if (!plain || depth === 0) return '?';
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner, depth - 1)]));
  };
  return JSON.stringify(shape(command, 2));
}

let current: Tracing | undefined;

/** The tracing this process started, if any (the worker hands it to the Temporal interceptors). */
export const processTracing = (): Tracing | undefined => current;

function processorFor(settings: TracingSettings): SpanProcessor {
  if (settings.export === 'otlp') return new BatchSpanProcessor(new OTLPTraceExporter({ url: `${settings.otlpEndpoint}/v1/traces` }));
  if (settings.export === 'console') return new BatchSpanProcessor(new ConsoleSpanExporter());
  return new NoopSpanProcessor();
}
