import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { ResolvedAddress } from './address-guard';

// Origins whose connections are pooled at once; the least recently used pool is let go past this.
const MAX_POOLS = 1_000;
// An idle connection is closed after this: under the 5 s keep-alive of Node's (and many) servers, so it is
// normally us who close it, not the server while a request is on its way.
const IDLE_SOCKET_MS = 4_000;

const pools = new Map<string, HttpAgent>();

/**
 * A keep-alive agent per origin and set of checked addresses: a webhook POST reuses a connection (and TLS
 * session) instead of opening one per delivery. A pooled socket was connected to an address the SSRF guard
 * allowed for that origin, and a request only takes a pool whose addresses it has just checked itself.
 */
export function connectionPool(url: URL, addresses: ResolvedAddress[]): HttpAgent {
  const key = `${url.protocol}//${url.host}@${addresses.map((a) => a.address).sort().join(',')}`;
  const pooled = pools.get(key);
  if (pooled) {
    pools.delete(key); // re-inserted: the map's order is least recently used first
    pools.set(key, pooled);
    return pooled;
  }
  const options = { keepAlive: true, maxSockets: 16, maxFreeSockets: 4, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' as const };
  const agent = url.protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
  pools.set(key, agent);
  if (pools.size > MAX_POOLS) {
    const [oldest, old] = pools.entries().next().value!;
    pools.delete(oldest);
    closeIdle(old); // requests in flight on it finish; their sockets then time out idle
  }
  return agent;
}

function closeIdle(agent: HttpAgent): void {
  for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
}
