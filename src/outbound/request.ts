import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { resolveAllowed, type ResolvedAddress, type Resolver } from './address-guard';
import { connectionPool } from './agents';

export interface OutboundRequest {
  url: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers: Record<string, string>;
  body?: string;
  /** One deadline for resolving, connecting, sending and reading. */
  timeoutMs: number;
  /** Loopback and private networks are refused unless this is set (OUTBOUND_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** At most this many bytes of the answer are read. */
  maxBodyBytes: number;
  /** "truncate" keeps the first maxBodyBytes; "error" refuses a longer answer. */
  overflow: 'truncate' | 'error';
  resolver?: Resolver;
  /** Whose lookups these are (a channel key): at most a few of one key's names are resolved at once. */
  lookupKey?: string;
  /**
   * Whether a request a kept-alive connection lost before any answer may be sent again on a new connection: true
   * for webhooks (the receiver drops a webhook-id it has seen) and GETs, false where a second POST could do harm.
   */
  resendOnStaleConnection: boolean;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  latencyMs: number;
}

export class OutboundTimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * One HTTP(S) request through the SSRF guard: the host is resolved once, every address checked, and the socket
 * connects to a checked address (TLS still verifies the hostname), or is a kept-alive one to such an address
 * (src/outbound/agents.ts). Redirects are never followed.
 */
export async function guardedRequest(request: OutboundRequest): Promise<OutboundResponse> {
  const url = new URL(request.url);
  const started = performance.now();
  const deadline = AbortSignal.timeout(request.timeoutMs);
  const aborted = new Promise<never>((_ok, fail) =>
    deadline.addEventListener('abort', () => fail(new OutboundTimeoutError(`timed out after ${request.timeoutMs} ms`)), { once: true }),
  );
  aborted.catch(() => undefined);
  const addresses = await Promise.race([resolveAllowed(url, { ...request, signal: deadline }), aborted]);
  const response = await Promise.race([send(url, addresses, request, deadline), aborted]);
  return { ...response, latencyMs: Math.round(performance.now() - started) };
}

function send(url: URL, addresses: ResolvedAddress[], request: OutboundRequest, signal: AbortSignal, retried = false): Promise<Omit<OutboundResponse, 'latencyMs'>> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: request.method,
      headers: { ...request.headers, ...(request.body !== undefined ? { 'content-length': String(Buffer.byteLength(request.body)) } : {}) },
      lookup: pinnedLookup(addresses),
      signal,
      // The second try gets a connection of its own: the pool may hold more that the server has closed.
      agent: retried ? false : connectionPool(url, addresses),
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A kept-alive connection the server closed as we sent (Node's advice: try once more on a new one), but only
      // before any answer came, and only where a second copy does no harm.
      const staleConnection = req.reusedSocket && !answered && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
      if (staleConnection && request.resendOnStaleConnection && !retried && !signal.aborted) resolve(send(url, addresses, request, signal, true));
      else reject(err);
    });
    req.on('response', (res) => {
      answered = true;
      readBody(res, request)
        .then((body) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
        .catch((err: unknown) => {
          res.destroy();
          reject(err);
        });
    });
    req.end(request.body);
  });
}

/** Answers the socket's lookup with the addresses already checked, so nothing is resolved a second time. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
    if (wanted.length === 0) {
      callback(Object.assign(new Error('no checked address of the requested family'), { code: 'ENOTFOUND' }), '', 4);
    } else if (options.all) {
      (callback as unknown as (err: null, all: ResolvedAddress[]) => void)(null, wanted);
    } else {
      callback(null, wanted[0]!.address, wanted[0]!.family);
    }
  };
}

async function readBody(res: IncomingMessage, { maxBodyBytes, overflow }: OutboundRequest): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    const room = maxBodyBytes - size;
    if (chunk.length > room) {
      if (overflow === 'error') throw new Error(`answer larger than ${maxBodyBytes} bytes`);
      chunks.push(chunk.subarray(0, room));
      res.destroy(); // the rest is never read, however large (nor is the connection kept)
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}
