import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { ConfigError, DEVELOPMENT_PAYLOAD_KEYS, loadConfig, payloadKeysOf } from '../../src/config';
import { createPayloadCodec, isEncrypted, PayloadDecryptionError, type PayloadKeys } from '../../src/temporal/payload-codec';

const keyText = () => randomBytes(32).toString('base64');
const keysFrom = (text: string): PayloadKeys => loadConfig({ PAYLOAD_ENCRYPTION_KEYS: text }).PAYLOAD_ENCRYPTION_KEYS!;
const SECRET = 'Order 4711 for Alice Example, 221B Baker Street';
const payloadOf = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const bytesOf = (payload: Payload) => Buffer.concat([...Object.values(payload.metadata ?? {}).map((v) => Buffer.from(v!)), Buffer.from(payload.data ?? [])]);

describe('payload codec (AES-256-GCM, key id in the payload)', () => {
  const [oldKey, newKey] = [keyText(), keyText()];
  const oldOnly = createPayloadCodec(keysFrom(`2024-11:${oldKey}`));
  const rotated = createPayloadCodec(keysFrom(`2025-06:${newKey},2024-11:${oldKey}`));

  it('round-trips a payload, metadata and data, and leaves no plaintext in what it stores', async () => {
    const original = payloadOf({ text: SECRET, vars: { address: '221B Baker Street' } });
    const [encrypted] = await oldOnly.encode([original]);
    assert.ok(isEncrypted(encrypted!));
    assert.equal(Buffer.from(encrypted!.metadata!['encryption-key-id']!).toString(), '2024-11');
    assert.equal(bytesOf(encrypted!).includes('Baker'), false);
    assert.equal(bytesOf(encrypted!).includes('json/plain'), false, 'the original metadata is inside the ciphertext');
    const [decoded] = await oldOnly.decode([encrypted!]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(decoded!), { text: SECRET, vars: { address: '221B Baker Street' } });
    assert.equal(Buffer.from(decoded!.metadata!.encoding!).toString(), 'json/plain');
  });

  it('draws a new IV for each payload, so equal messages do not look equal', async () => {
    const [a, b] = await oldOnly.encode([payloadOf(SECRET), payloadOf(SECRET)]);
    assert.notDeepEqual(Buffer.from(a!.data!), Buffer.from(b!.data!));
    assert.notDeepEqual(Buffer.from(a!.data!).subarray(0, 12), Buffer.from(b!.data!).subarray(0, 12));
  });

  it('encrypts with the first key and still decrypts what an older key encrypted (rotation)', async () => {
    const [byOld] = await oldOnly.encode([payloadOf(SECRET)]);
    const [byNew] = await rotated.encode([payloadOf(SECRET)]);
    assert.equal(Buffer.from(byNew!.metadata!['encryption-key-id']!).toString(), '2025-06');
    const decoded = await rotated.decode([byOld!, byNew!]);
    assert.deepEqual(decoded.map((p) => defaultPayloadConverter.fromPayload(p)), [SECRET, SECRET]);
  });

  it('names the key id it does not hold', async () => {
    const [byNew] = await rotated.encode([payloadOf(SECRET)]);
    await assert.rejects(oldOnly.decode([byNew!]), (err: Error) => err instanceof PayloadDecryptionError && /key id "2025-06".*PAYLOAD_ENCRYPTION_KEYS does not hold/.test(err.message));
  });

  it('refuses ciphertext altered by one bit, and a payload moved under another key id', async () => {
    const [encrypted] = await rotated.encode([payloadOf(SECRET)]);
    const data = Buffer.from(encrypted!.data!);
    data[20]! ^= 1;
    await assert.rejects(rotated.decode([{ ...encrypted!, data }]), (err: Error) => err instanceof PayloadDecryptionError && /failed authentication/.test(err.message));
    const relabelled = { ...encrypted!, metadata: { ...encrypted!.metadata, 'encryption-key-id': Buffer.from('2024-11') } };
    await assert.rejects(rotated.decode([relabelled]), PayloadDecryptionError);
    await assert.rejects(rotated.decode([{ ...encrypted!, data: data.subarray(0, 10) }]), /too short/);
  });

  it('passes payloads it did not encrypt through untouched (recorded histories still replay)', async () => {
    const plain = payloadOf({ text: 'hello' });
    const binary: Payload = { metadata: { encoding: Buffer.from('binary/null') } };
    assert.deepEqual(await rotated.decode([plain, binary]), [plain, binary]);
  });
});

describe('PAYLOAD_ENCRYPTION_KEYS and CODEC_AUTH_TOKEN', () => {
  it('parses id:key pairs, the first one encrypting', () => {
    const keys = keysFrom(`a:${keyText()}, b:${keyText()}`);
    assert.equal(keys.encryptWith, 'a');
    assert.deepEqual([...keys.keys.keys()], ['a', 'b']);
    assert.equal(keys.keys.get('b')!.length, 32);
  });

  for (const [why, value] of [
    ['a 16-byte key', `k:${randomBytes(16).toString('base64')}`],
    ['a key without an id', keyText()],
    ['a key that is not base64', `k:${'!'.repeat(43)}=`],
    ['a repeated id', `k:${keyText()},k:${keyText()}`],
  ] as const) {
    it(`refuses ${why}, naming the variable and not the key`, () => {
      assert.throws(() => loadConfig({ PAYLOAD_ENCRYPTION_KEYS: value }), (err: Error) => err instanceof ConfigError && err.message.includes('PAYLOAD_ENCRYPTION_KEYS') && !err.message.includes(value));
    });
  }

  it('uses the public development key only on loopback', () => {
    assert.equal(payloadKeysOf(loadConfig({})).encryptWith, 'dev');
    assert.throws(() => loadConfig({ HOST: '0.0.0.0' }), /PAYLOAD_ENCRYPTION_KEYS: required when HOST is not a loopback address/);
    assert.throws(() => loadConfig({ HOST: '0.0.0.0', PAYLOAD_ENCRYPTION_KEYS: DEVELOPMENT_PAYLOAD_KEYS.replace('dev:', 'prod:') }), /development key is public/);
    assert.equal(loadConfig({ HOST: '0.0.0.0', PAYLOAD_ENCRYPTION_KEYS: `prod:${keyText()}` }).PAYLOAD_ENCRYPTION_KEYS!.encryptWith, 'prod');
  });

  it('wants a codec token of at least 32 characters', () => {
    assert.throws(() => loadConfig({ CODEC_AUTH_TOKEN: 'short' }), /CODEC_AUTH_TOKEN: at least 32 characters/);
  });
});
