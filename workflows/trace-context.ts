import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';

/** A W3C trace context as plain JSON ({traceparent, tracestate?}): safe to keep in workflow state. */
export type TraceCarrier = Record<string, string>;

/**
 * The active trace context (inside a signal handler: the interceptor's HandleSignal span), or undefined when
 * the worker runs without the OpenTelemetry interceptors.
 */
export function currentTrace(): TraceCarrier | undefined {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? carrier : undefined;
}

/** Runs `fn` as part of the trace `carrier` came from: an activity it schedules becomes that trace's child. */
export function withTrace<T>(carrier: TraceCarrier | undefined, fn: () => T): T {
  return carrier ? context.with(propagation.extract(ROOT_CONTEXT, carrier), fn) : fn();
}
