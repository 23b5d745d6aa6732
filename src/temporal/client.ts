import { Client, Connection, type ConnectionLike } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';

/** Lazy connection: the API starts (and answers 503) even while Temporal is still coming up. */
export function createTemporalClient(address: string, namespace: string): Client {
  return tracedClient(Connection.lazy({ address }), namespace);
}

/** A client whose signalWithStart (and every other call) is a span, its context passed on in the headers. */
export function tracedClient(connection: ConnectionLike, namespace: string): Client {
  return new Client({ connection, namespace, interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } });
}
