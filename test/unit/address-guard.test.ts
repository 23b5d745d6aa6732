import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { forbiddenRange, ForbiddenAddressError, resolveAllowed, type Resolver } from '../../src/outbound/address-guard';
import { parseRetryAfter } from '../../src/webhooks/send';

/** A resolver with fixed answers: what a hostile DNS could say, without needing DNS. */
const fakeDns: Resolver = async (hostname) => {
  const answers: Record<string, string[]> = {
    'internal.example': ['10.0.0.7'],
    'metadata.example': ['169.254.169.254'],
    'mixed.example': ['93.184.216.34', '192.168.1.20'],
    'v6-loopback.example': ['::1'],
    'public.example': ['93.184.216.34', '2606:2800:220:1::248'],
  };
  const found = answers[hostname];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

const check = (url: string) => resolveAllowed(new URL(url), { allowPrivate: false, resolver: fakeDns });

describe('SSRF guard for webhooks and http nodes', () => {
  const refused: [string, RegExp][] = [
    ['http://127.0.0.1/hook', /loopback/],
    ['http://127.1/hook', /loopback/],
    ['http://0x7f000001/hook', /loopback/],
    ['http://2130706433/hook', /loopback/],
    ['http://0177.0.0.1/hook', /loopback/],
    ['http://[::1]/hook', /loopback/],
    ['http://[::ffff:127.0.0.1]/hook', /IPv4-mapped 127\.0\.0\.1/],
    ['http://[::ffff:7f00:1]/hook', /IPv4-mapped 127\.0\.0\.1/],
    ['http://[::ffff:a9fe:a9fe]/hook', /link-local/],
    ['http://[::127.0.0.1]/hook', /IPv4-compatible/],
    ['http://[64:ff9b::a00:1]/hook', /NAT64 10\.0\.0\.1/],
    ['http://[2002:c0a8:101::1]/hook', /6to4 192\.168\.1\.1/],
    ['http://[::ffff:0:7f00:1]/hook', /IPv4-translated/],
    ['http://[::ffff:0:5db8:d822]/hook', /IPv4-translated/],
    ['http://[64:ff9b:1::a00:1]/hook', /local-use NAT64/],
    ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook', /Teredo/],
    ['http://192.88.99.1/hook', /6to4 relay anycast/],
    ['http://93.184.216.34:25/hook', /port 25/],
    ['http://93.184.216.34:22/hook', /port 22/],
    ['http://0.0.0.0/hook', /this network/],
    ['http://10.1.2.3/hook', /RFC 1918/],
    ['http://172.16.0.1/hook', /RFC 1918/],
    ['http://172.31.255.255/hook', /RFC 1918/],
    ['http://192.168.0.10/hook', /RFC 1918/],
    ['http://100.64.0.1/hook', /carrier-grade NAT/],
    ['http://169.254.169.254/latest/meta-data', /metadata/],
    ['http://224.0.0.251/hook', /multicast/],
    ['http://255.255.255.255/hook', /reserved/],
    ['http://[fd12:3456::1]/hook', /unique local/],
    ['http://[fe80::1]/hook', /link-local/],
    ['http://[ff02::1]/hook', /multicast/],
    ['http://[::]/hook', /unspecified/],
    ['http://internal.example/hook', /RFC 1918\) \(resolves to 10\.0\.0\.7\)/],
    ['http://metadata.example/hook', /metadata/],
    ['http://mixed.example/hook', /resolves to 192\.168\.1\.20/],
    ['http://v6-loopback.example/hook', /loopback/],
    ['http://localhost:3000/hook', /loopback/],
    ['ftp://93.184.216.34/file', /only http and https/],
    ['file:///etc/passwd', /only http and https/],
  ];
  for (const [url, why] of refused) {
    it(`refuses ${url}`, async () => {
      const resolver: Resolver = url.includes('localhost') ? async () => [{ address: '127.0.0.1', family: 4 }] : fakeDns;
      await assert.rejects(resolveAllowed(new URL(url), { allowPrivate: false, resolver }), (err: unknown) => {
        assert.ok(err instanceof ForbiddenAddressError, String(err));
        assert.match(err.reason, why);
        // The answer says why in general terms, never which internal address a name resolved to.
        if (isIP(new URL(url).hostname.replace(/^\[|\]$/g, '')) === 0) assert.doesNotMatch(err.message, /\d+\.\d+\.\d+\.\d+|::|resolves to/);
        return true;
      });
    });
  }

  it('refuses localhost as the system resolver answers it', async () => {
    await assert.rejects(resolveAllowed(new URL('http://localhost/'), { allowPrivate: false }), (err: ForbiddenAddressError) => /loopback/.test(err.reason));
  });

  const allowed = [
    'http://93.184.216.34/hook', 'https://[2606:4700::1111]/hook', 'http://172.32.0.1/hook', 'https://public.example/hook',
    'http://[2002:5db8:d822::1]/hook', 'http://93.184.216.34:8080/hook', 'https://93.184.216.34:443/hook', 'http://[2001:4860::8888]/hook',
  ];
  for (const url of allowed) {
    it(`allows ${url}`, async () => {
      assert.ok((await check(url)).length > 0);
    });
  }

  it('returns every checked address, for the connection to use instead of resolving again', async () => {
    assert.deepEqual(await check('https://public.example/'), [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::248', family: 6 },
    ]);
  });

  it('lets private addresses through only when OUTBOUND_ALLOW_PRIVATE is set', async () => {
    assert.deepEqual(await resolveAllowed(new URL('http://127.0.0.1:4000/'), { allowPrivate: true }), [{ address: '127.0.0.1', family: 4 }]);
    assert.deepEqual(await resolveAllowed(new URL('http://127.0.0.1:25/'), { allowPrivate: true }), [{ address: '127.0.0.1', family: 4 }]);
    await assert.rejects(resolveAllowed(new URL('gopher://127.0.0.1/'), { allowPrivate: true }), /only http and https/);
  });

  it('refuses anything that is not an IP address at the range check', () => {
    assert.equal(forbiddenRange('example.com'), 'not an IP address');
    assert.equal(forbiddenRange('8.8.8.8'), null);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-11-26T10:00:00Z');
  it('reads seconds and HTTP dates, clamped to [1 s, 24 h]', () => {
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter('0', now), 1_000);
    assert.equal(parseRetryAfter('999999', now), 24 * 3_600_000);
    assert.equal(parseRetryAfter('Thu, 26 Nov 2026 10:05:00 GMT', now), 300_000);
    assert.equal(parseRetryAfter('Wed, 25 Nov 2026 10:05:00 GMT', now), 1_000);
  });
  it('ignores a missing or unreadable value', () => {
    assert.equal(parseRetryAfter(undefined, now), undefined);
    assert.equal(parseRetryAfter('soon', now), undefined);
  });
});
