import assert from 'node:assert/strict';
import { defaultPayloadConverter } from '@temporalio/common';
import { payloadKeysOf } from '../../src/config';
import { payloadToJson, type PayloadJson } from '../../src/schemas/codec';
import { createPayloadCodec } from '../../src/temporal/payload-codec';
import { devServers } from '../helpers/servers';
import { useStackWithReceiver } from '../helpers/stack';

const SECRET = 'my card ends in 4242';
const codec = createPayloadCodec(payloadKeysOf({}));
const encrypted = async (value: unknown) => payloadToJson((await codec.encode([defaultPayloadConverter.toPayload(value)]))[0]!);
const utf8 = (base64: string | undefined) => Buffer.from(base64 ?? '', 'base64').toString('utf8');

describe('the codec endpoint for the Temporal UI (/codec)', function () {
  this.timeout(60_000);
  const suite = useStackWithReceiver();
  const call = (path: string, init: { body?: unknown; headers?: Record<string, string>; method?: string } = {}) =>
    fetch(`${suite.stack.baseUrl}/codec/${path}`, {
      method: init.method ?? 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...init.headers },
      ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
    });
  const asOperator = () => ({ authorization: `Bearer ${suite.stack.codecToken}` });

  it('decodes what the worker encrypted, for the codec token, with the query string the UI adds', async () => {
    const answer = await call('decode?preserveStorageRefs=true', { headers: asOperator(), body: { payloads: [await encrypted({ text: SECRET })] } });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    const { payloads } = (await answer.json()) as { payloads: PayloadJson[] };
    assert.equal(utf8(payloads[0]!.metadata!.encoding), 'json/plain');
    assert.deepEqual(JSON.parse(utf8(payloads[0]!.data)), { text: SECRET });
  });

  it('answers 401 without credentials, with a wrong token or a forged session, and reads no body first', async () => {
    const body = { payloads: [await encrypted(SECRET)] };
    for (const headers of <Record<string, string>[]>[{}, { authorization: `Bearer ${suite.stack.codecToken}x` }, { authorization: 'Bearer ' }, { cookie: `parley_codec_session=${Date.now() + 60_000}.${'A'.repeat(43)}` }, { cookie: `parley_codec_session=${suite.stack.codecToken}` }]) {
      const answer = await call('decode', { headers, body });
      assert.equal(answer.status, 401, JSON.stringify(headers));
      const error = (await answer.json()) as { error: { code: string; message: string } };
      assert.equal(error.error.code, 'unauthorized');
      assert.doesNotMatch(JSON.stringify(error), new RegExp(suite.stack.codecToken));
    }
    assert.equal((await call('encode', { body })).status, 401);
    // Over the 4 MB limit: refused as unauthenticated, not as too large (the body is never parsed for a stranger).
    const huge = JSON.stringify({ payloads: [{ data: 'A'.repeat(5 * 1024 * 1024) }] });
    assert.equal((await call('decode', { body: huge })).status, 401);
    assert.equal((await call('decode', { body: huge, headers: asOperator() })).status, 413);
  });

  it('signs an operator in with a session cookie that the decode accepts, and refuses a wrong token', async () => {
    assert.equal((await call('session', { headers: { authorization: 'Bearer wrong-token-wrong-token-wrong-token' } })).status, 401);
    const signedIn = await call('session', { headers: asOperator() });
    assert.equal(signedIn.status, 204);
    const cookie = signedIn.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^parley_codec_session=\d{13}\.[\w-]{43}; Path=\/codec; Max-Age=28800; HttpOnly; SameSite=Strict$/);
    assert.doesNotMatch(cookie, new RegExp(suite.stack.codecToken));
    const answer = await call('decode', { headers: { cookie: cookie.split(';')[0]! }, body: { payloads: [await encrypted(SECRET)] } });
    assert.equal(answer.status, 200);
    const page = await fetch(`${suite.stack.baseUrl}/codec/sign-in`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'sha256-/);
    assert.match(await page.text(), /type="password"/);
  });

  it('encodes with the current key, and passes payloads it did not encrypt back exactly as sent', async () => {
    const plain = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"hello"').toString('base64'), externalPayloads: [] };
    const encodedAnswer = await call('encode', { headers: asOperator(), body: { payloads: [plain] } });
    assert.equal(encodedAnswer.status, 200);
    const encoded = ((await encodedAnswer.json()) as { payloads: PayloadJson[] }).payloads[0]!;
    assert.equal(utf8(encoded.metadata!.encoding), 'binary/encrypted');
    assert.equal(utf8(encoded.metadata!['encryption-key-id']), 'dev');
    const decoded = (await (await call('decode', { headers: asOperator(), body: { payloads: [encoded, plain] } })).json()) as { payloads: PayloadJson[] };
    assert.equal(utf8(decoded.payloads[0]!.data), '"hello"');
    assert.deepEqual(decoded.payloads[1], plain);
  });

  it('answers 422 payload_undecryptable for an altered payload or an unknown key id, and 400 for a malformed body', async () => {
    const payload = await encrypted(SECRET);
    const data = Buffer.from(payload.data!, 'base64');
    data[30]! ^= 0xff;
    const altered = await call('decode', { headers: asOperator(), body: { payloads: [{ ...payload, data: data.toString('base64') }] } });
    assert.equal(altered.status, 422);
    assert.equal(((await altered.json()) as { error: { code: string } }).error.code, 'payload_undecryptable');
    const unknownKey = { ...payload, metadata: { ...payload.metadata, 'encryption-key-id': Buffer.from('2019').toString('base64') } };
    const unknown = (await (await call('decode', { headers: asOperator(), body: { payloads: [unknownKey] } })).json()) as { error: { message: string } };
    assert.match(unknown.error.message, /payloads\[0\]: .*key id "2019"/);
    const malformed = await call('decode', { headers: asOperator(), body: { payloads: [{ data: 'not base64!' }] } });
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { error: { details: { path: string }[] } }).error.details[0]!.path, 'payloads[0].data');
  });

  it('lets only the Temporal UI origin read answers, with credentials, and answers its preflight', async () => {
    const { temporalUiUrl } = await devServers();
    const preflight = (origin: string) => call('decode', {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' },
    });
    const fromUi = await preflight(temporalUiUrl);
    assert.equal(fromUi.status, 204);
    assert.equal(fromUi.headers.get('access-control-allow-origin'), temporalUiUrl);
    assert.equal(fromUi.headers.get('access-control-allow-credentials'), 'true');
    assert.match(fromUi.headers.get('access-control-allow-methods') ?? '', /POST/);
    for (const header of ['Content-Type', 'X-Namespace', 'Authorization']) assert.match(fromUi.headers.get('access-control-allow-headers') ?? '', new RegExp(header));
    const elsewhere = await preflight('https://attacker.example');
    assert.equal(elsewhere.headers.get('access-control-allow-origin'), null);
    assert.equal(elsewhere.headers.get('access-control-allow-headers'), null);
    // The UI can read a refusal too (it shows "decode failed"); another origin cannot read anything.
    const refused = await call('decode', { headers: { origin: temporalUiUrl }, body: { payloads: [] } });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('access-control-allow-origin'), temporalUiUrl);
    assert.match(refused.headers.get('vary') ?? '', /origin/i);
  });
});
