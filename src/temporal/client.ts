import { Client, Connection } from '@temporalio/client';

/** Lazy connection: the API starts (and answers 503) even while Temporal is still coming up. */
export function createTemporalClient(address: string, namespace: string): Client {
  return new Client({ connection: Connection.lazy({ address }), namespace });
}
