import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { ensureSearchAttributes } from '../temporal/search-attributes';

/** How long a finished session's history is kept: auto-setup's default (DEFAULT_NAMESPACE_RETENTION=24h). */
const RETENTION = '24h';
const GRPC_ALREADY_EXISTS = 6;

/**
 * What an operator does once on a fresh cluster (auto-setup does it in docker-compose.yml): wait until the frontend
 * answers, register the namespace, then the session search attributes the way the worker does at start.
 */
export async function prepareNamespace(address: string, namespace: string, timeoutMs = 120_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  // connect() asks for the server's capabilities: it fails until the frontend is up.
  const connection = await retryUntil(deadline, () => Connection.connect({ address, connectTimeout: 5_000 }));
  try {
    await retryUntil(deadline, () => connection.workflowService.registerNamespace({
      namespace, workflowExecutionRetentionPeriod: msToTs(RETENTION),
    }).catch((err: { code?: number }) => {
      if (err.code !== GRPC_ALREADY_EXISTS) throw err;
    }));
    // The frontend learns of a new namespace from its registry refresh (10 s), not at once.
    await retryUntil(deadline, () => connection.workflowService.describeNamespace({ namespace }));
    return await retryUntil(deadline, () => ensureSearchAttributes(connection, namespace));
  } finally {
    await connection.close();
  }
}

async function retryUntil<T>(deadline: number, attempt: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((ok) => setTimeout(ok, 500));
    }
  }
}
