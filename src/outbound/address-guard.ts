import { BlockList, isIP } from 'node:net';
import { systemResolver, withLookupSlot, type ResolvedAddress, type Resolver } from './resolver';

export type { ResolvedAddress, Resolver } from './resolver';

/**
 * Where an outbound request (webhook or flow http node) may not go unless OUTBOUND_ALLOW_PRIVATE=true.
 * Each range is named, so a refusal says why.
 */
const IPV4_RANGES: [string, number, string][] = [
  ['0.0.0.0', 8, 'this network'],
  ['10.0.0.0', 8, 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay anycast'],
  ['192.168.0.0', 16, 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];
const IPV6_RANGES: [string, number, string][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::ffff:0:0:0', 96, 'IPv4-translated (SIIT)'],
  ['64:ff9b:1::', 48, 'local-use NAT64'],
  ['100::', 64, 'discard'],
  ['2001::', 32, 'Teredo'],
  ['2001:db8::', 32, 'documentation'],
  ['fc00::', 7, 'unique local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

function blockList(ranges: [string, number, string][], family: 'ipv4' | 'ipv6') {
  return ranges.map(([network, prefix, name]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return { list, name };
  });
}
const ipv4Blocks = blockList(IPV4_RANGES, 'ipv4');
const ipv6Blocks = blockList(IPV6_RANGES, 'ipv6');

/**
 * A refused destination. The message says only that the host is not a public address (or the port or scheme is
 * not allowed), never which address it resolved to: that would map internal networks for whoever asks.
 * `reason` (the range, and the address) is for tests and for operators' debugging, not for answers.
 */
export class ForbiddenAddressError extends Error {
  override name = 'ForbiddenAddressError';
  constructor(message: string, readonly reason: string = message) {
    super(message);
  }
}

/**
 * Ports a request may use: 80, 443, and the unprivileged 1024–65535. The others are system services (SMTP 25,
 * SSH 22, …) that a crafted request body could talk to; a webhook has no business there.
 */
export function allowedPort(url: URL): boolean {
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return port === 80 || port === 443 || port >= 1024;
}

/** Why an address may not be reached (e.g. "loopback"), or null when it is public. Anything unparsable is refused. */
export function forbiddenRange(address: string): string | null {
  const family = isIP(address);
  if (family === 4) return ipv4Blocks.find(({ list }) => list.check(address, 'ipv4'))?.name ?? null;
  if (family !== 6) return 'not an IP address';
  const embedded = embeddedIPv4(address);
  if (embedded) {
    const range = forbiddenRange(embedded.address);
    return range && `${range} (${embedded.form} ${embedded.address})`;
  }
  return ipv6Blocks.find(({ list }) => list.check(address, 'ipv6'))?.name ?? null;
}

/** The IPv4 address inside IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) forms. */
function embeddedIPv4(address: string): { address: string; form: string } | null {
  const words = ipv6Words(address);
  const v4 = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  const zeros = (from: number, to: number) => words.slice(from, to).every((w) => w === 0);
  if (zeros(0, 5) && words[5] === 0xffff) return { address: v4(words[6]!, words[7]!), form: 'IPv4-mapped' };
  if (zeros(0, 6) && (words[6] !== 0 || words[7]! > 1)) return { address: v4(words[6]!, words[7]!), form: 'IPv4-compatible' };
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6)) return { address: v4(words[6]!, words[7]!), form: 'NAT64' };
  if (words[0] === 0x2002) return { address: v4(words[1]!, words[2]!), form: '6to4' };
  return null;
}

/** The eight 16-bit words of a valid IPv6 address (with "::" and a dotted IPv4 tail expanded). */
function ipv6Words(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((w) => parseInt(w, 16)) : []);
  const first = parse(head);
  const last = parse(tail);
  return [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last];
}


/** The URL's host without IPv6 brackets; the WHATWG parser already turned 127.1, 0x7f000001 and 2130706433 into 127.0.0.1. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/**
 * Resolves the URL's host once and checks every address. The caller connects to one of the returned addresses,
 * never resolving again, so a DNS answer that changes between check and connect (rebinding) cannot get through.
 */
export async function resolveAllowed(url: URL, options: { allowPrivate: boolean; resolver?: Resolver; lookupKey?: string; signal?: AbortSignal }): Promise<ResolvedAddress[]> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ForbiddenAddressError(`only http and https URLs are allowed, not ${url.protocol.replace(/:$/, '')}`);
  }
  if (!options.allowPrivate && !allowedPort(url)) {
    throw new ForbiddenAddressError(`port ${url.port} is not allowed; use 80, 443 or a port from 1024 up`);
  }
  const host = hostOf(url);
  const family = isIP(host);
  const addresses: ResolvedAddress[] =
    family !== 0 ? [{ address: host, family: family === 6 ? 6 : 4 }] : await withLookupSlot(options.lookupKey, () => (options.resolver ?? systemResolver)(host), options.signal);
  if (addresses.length === 0) throw new ForbiddenAddressError(`${url.hostname} has no address`);
  if (options.allowPrivate) return addresses;
  for (const { address } of addresses) {
    const range = forbiddenRange(address);
    if (range) {
      const via = address === host ? '' : ` (resolves to ${address})`;
      throw new ForbiddenAddressError(`${url.hostname} is not a public address; only public addresses can be reached`, `${range}${via}`);
    }
  }
  return addresses;
}
