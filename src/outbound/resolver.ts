import { Resolver as DnsResolver } from 'node:dns/promises';

/** An address a name resolved to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface ResolverOptions {
  /** Per query, and how many times one is sent: a nameserver that never answers costs at most timeoutMs × tries. */
  timeoutMs: number;
  tries: number;
  /** The nameservers to ask; the system's (/etc/resolv.conf) when absent. */
  servers?: string[];
}

/**
 * Names resolved by c-ares (dns.Resolver): asynchronous, with a timeout and a number of tries. dns.lookup ran on
 * libuv's four threads with no timeout of its own, so four names whose nameserver never answers stalled every
 * tenant's webhooks. "localhost" and *.localhost are loopback without asking (RFC 6761); c-ares does not read
 * /etc/hosts, so a name only that file knows does not resolve.
 */
export function createResolver({ timeoutMs, tries, servers }: ResolverOptions): Resolver {
  const dns = new DnsResolver({ timeout: timeoutMs, tries });
  if (servers) dns.setServers(servers);
  return async (hostname) => {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    if (name === 'localhost' || name.endsWith('.localhost')) return [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }];
    const [v4, v6] = await Promise.allSettled([dns.resolve4(name), dns.resolve6(name)]);
    const addresses: ResolvedAddress[] = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
    ];
    if (addresses.length === 0 && v4.status === 'rejected') throw v4.reason;
    return addresses;
  };
}

/** The resolver outbound requests use unless told otherwise: 2 s per try, 2 tries. */
export const systemResolver = createResolver({ timeoutMs: 2_000, tries: 2 });

// Name resolutions one channel may have in flight; the next wait for a slot, within their request's deadline.
export const MAX_LOOKUPS_PER_KEY = 4;
const slots = new Map<string, { inFlight: number; waiting: (() => void)[] }>();

/**
 * Runs `work` once fewer than MAX_LOOKUPS_PER_KEY others of `key` are running: one tenant cannot take them all.
 * A waiter whose request gave up (`signal`) leaves the queue rather than resolve for nobody.
 */
export async function withLookupSlot<T>(key: string | undefined, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  if (key === undefined) return work();
  for (;;) {
    // Looked up again after every wait: the entry may have gone and come back meanwhile.
    let slot = slots.get(key);
    if (!slot) slots.set(key, (slot = { inFlight: 0, waiting: [] }));
    if (slot.inFlight < MAX_LOOKUPS_PER_KEY) {
      slot.inFlight++;
      break;
    }
    await turnIn(slot.waiting, signal);
  }
  try {
    return await work();
  } finally {
    const slot = slots.get(key)!;
    slot.inFlight--;
    const next = slot.waiting.shift();
    if (next) next();
    else if (slot.inFlight === 0) slots.delete(key);
  }
}

function turnIn(queue: (() => void)[], signal: AbortSignal | undefined): Promise<void> {
  signal?.throwIfAborted();
  return new Promise((ok, fail) => {
    const wake = () => {
      signal?.removeEventListener('abort', leave);
      ok();
    };
    const leave = () => {
      queue.splice(queue.indexOf(wake), 1);
      fail(signal!.reason);
    };
    queue.push(wake);
    signal?.addEventListener('abort', leave, { once: true });
  });
}
