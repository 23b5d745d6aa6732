import assert from 'node:assert/strict';
import { assertPublicUrl, ForbiddenAddressError, isForbiddenAddress } from '../../src/webhooks/address-guard';

describe('webhook address guard', () => {
  for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '224.0.0.1']) {
    it(`refuses ${address}`, () => assert.equal(isForbiddenAddress(address), true));
  }
  for (const address of ['93.184.216.34', '2606:4700::1111', '172.32.0.1']) {
    it(`allows ${address}`, () => assert.equal(isForbiddenAddress(address), false));
  }

  it('refuses localhost by resolving it, and non-http schemes', async () => {
    await assert.rejects(assertPublicUrl(new URL('http://localhost:4000/')), ForbiddenAddressError);
    await assert.rejects(assertPublicUrl(new URL('ftp://93.184.216.34/')), ForbiddenAddressError);
  });
});
