/**
 * Not a workflow: the tracing interceptors bundled into traced workers (src/temporal/worker.ts).
 *
 * They continue the message's trace through the session: a signal's `HandleSignal` span is the child of the
 * client's span (from the `_tracer-data` header), and each activity's `StartActivity` span the child of the
 * trace it is scheduled in, passed on in the activity's header for the worker's activity interceptor. Spans
 * leave through the `exporter` sink of @temporalio/interceptors-opentelemetry, whose worker side rebuilds them.
 *
 * Why not that package's workflow interceptors: they run the OpenTelemetry SDK inside every workflow, about
 * 550 KB of heap per cached session (10,000 idle sessions would need 5.5 GB), and they draw span ids from
 * the workflow's random stream. Here span ids come from the run id and a count of signals or activities, both
 * fixed by history, so a replay makes the same ids and draws nothing, and a session costs a few hundred bytes.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { OpenTelemetrySinks, SerializableSpan } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions';
import {
  proxySinks,
  workflowInfo,
  type ActivityInput,
  type GetLogAttributesInput,
  type Next,
  type SignalInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { currentTrace, withTrace, type TraceCarrier } from './trace-context';

const TRACE_HEADER = '_tracer-data';
const { exporter } = proxySinks<OpenTelemetrySinks>();

interface SpanContext { traceId: string; spanId: string; traceFlags: number; traceState?: string }

export const interceptors = (): WorkflowInterceptors => {
  const counts = { signal: 0, activity: 0 };
  const inbound: WorkflowInboundCallsInterceptor = {
    handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>) {
      const parent = contextOf(headerCarrier(input.headers));
      if (!parent) return next(input);
      const span = startSpan(`HandleSignal:${input.signalName}`, parent, `signal-${++counts.signal}`);
      try {
        return withTrace(span.carrier, () => next(input));
      } finally {
        span.end();
      }
    },
  };
  const outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
      const parent = contextOf(currentTrace());
      if (!parent) return next(input);
      const span = startSpan(`StartActivity:${input.activityType}`, parent, `activity-${++counts.activity}`);
      span.end();
      return next({ ...input, headers: { ...input.headers, [TRACE_HEADER]: defaultPayloadConverter.toPayload(span.carrier) } });
    },
    getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>) {
      const context = contextOf(currentTrace());
      return next(context ? { trace_id: context.traceId, span_id: context.spanId, ...input } : input);
    },
  };
  return { inbound: [inbound], outbound: [outbound] };
};

/** The client's trace context; none when absent or unreadable (a malformed header must not fail the task). */
function headerCarrier(headers: SignalInput['headers']): TraceCarrier | undefined {
  const payload = headers[TRACE_HEADER];
  if (!payload) return undefined;
  try {
    const carrier = defaultPayloadConverter.fromPayload<unknown>(payload);
    return carrier !== null && typeof carrier === 'object' && typeof (carrier as TraceCarrier).traceparent === 'string' ? (carrier as TraceCarrier) : undefined;
  } catch {
    return undefined;
  }
}

/** The span context a W3C traceparent names; undefined when there is none or it is malformed. */
function contextOf(carrier: TraceCarrier | undefined): SpanContext | undefined {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(carrier?.traceparent ?? '');
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return undefined;
  return { traceId: match[1]!, spanId: match[2]!, traceFlags: parseInt(match[3]!, 16), ...(carrier?.tracestate ? { traceState: carrier.tracestate } : {}) };
}

/** A span of workflow time (the task's clock), exported when it ends; `key` makes its id unique in the run. */
function startSpan(name: string, parent: SpanContext, key: string) {
  const spanId = spanIdOf(`${workflowInfo().runId}/${key}`);
  const startTime = Date.now();
  const carrier: TraceCarrier = {
    traceparent: `00-${parent.traceId}-${spanId}-${parent.traceFlags.toString(16).padStart(2, '0')}`,
    ...(parent.traceState ? { tracestate: parent.traceState } : {}),
  };
  return {
    carrier,
    end(): void {
      if ((parent.traceFlags & 1) === 0) return; // not sampled upstream: the context goes on, the span is not recorded
      exporter.export([serializable(name, { traceId: parent.traceId, spanId, traceFlags: parent.traceFlags }, parent.spanId, startTime, Date.now())]);
    },
  };
}

function serializable(name: string, spanContext: SpanContext, parentSpanId: string, startMs: number, endMs: number): SerializableSpan {
  const hr = (ms: number): [number, number] => [Math.floor(ms / 1000), (ms % 1000) * 1_000_000];
  return {
    name, kind: 0 /* INTERNAL */, spanContext, parentSpanId, startTime: hr(startMs), endTime: hr(endMs), duration: hr(endMs - startMs),
    status: { code: 1 /* OK */ }, attributes: {}, links: [], events: [], ended: true,
    droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0,
    instrumentationLibrary: { name: '@parley/session-tracing' },
  };
}

/**
 * 64 bits from two FNV-1a hashes with murmur3's finaliser (so ids of `…/signal-1` and `…/signal-2` differ in every
 * digit), as 16 hex digits, never all zero.
 */
function spanIdOf(text: string): string {
  const fnv = (seed: number) => {
    let hash = seed;
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
    hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
    return ((hash ^ (hash >>> 16)) >>> 0).toString(16).padStart(8, '0');
  };
  const id = fnv(0x811c9dc5) + fnv(0x9747b28c);
  return id === '0000000000000000' ? '0000000000000001' : id;
}
