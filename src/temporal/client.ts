import { Client, Connection, type ConnectionLike } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';

/** Lazy connection: the API starts (and answers 503) even while Temporal is still coming up. */
export function createTemporalClient(address: string, namespace: string, dataConverter: DataConverter): Client {
  return tracedClient(Connection.lazy({ address }), namespace, dataConverter);
}

/**
 * A client whose signalWithStart (and every other call) is a span, its context passed on in the headers, and
 * whose payloads are encrypted with the worker's codec (src/temporal/payload-codec.ts).
 */
export function tracedClient(connection: ConnectionLike, namespace: string, dataConverter: DataConverter): Client {
  return new Client({ connection, namespace, dataConverter, interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } });
}
