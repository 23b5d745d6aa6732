/** A W3C trace context as plain JSON ({traceparent, tracestate?}): safe to keep in workflow state. */
export type TraceCarrier = Record<string, string>;

// The trace the workflow code runs in now: set by the tracing interceptors around a signal handler, and by
// withTrace around the scheduling of an activity. Both are synchronous, so one variable is enough.
let active: TraceCarrier | undefined;

/**
 * The active trace context (inside a signal handler: its HandleSignal span), or undefined when the worker runs
 * without the tracing interceptors (workflows/tracing-interceptors.ts).
 */
export function currentTrace(): TraceCarrier | undefined {
  return active ? { ...active } : undefined;
}

/** Runs `fn` as part of the trace `carrier` came from: an activity it schedules becomes that trace's child. */
export function withTrace<T>(carrier: TraceCarrier | undefined, fn: () => T): T {
  if (!carrier) return fn();
  const outer = active;
  active = carrier;
  try {
    return fn();
  } finally {
    active = outer;
  }
}
