import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, ValueError, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/** Metadata of an encrypted payload; everything else (the original metadata too) is inside the ciphertext. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** PAYLOAD_ENCRYPTION_KEYS, parsed: the first key encrypts, every key decrypts. */
export interface PayloadKeys {
  encryptWith: string;
  keys: ReadonlyMap<string, Buffer>;
}

/** A payload this codec cannot decrypt: unknown key id, or ciphertext that fails authentication. */
export class PayloadDecryptionError extends ValueError {}

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/**
 * AES-256-GCM over the whole original payload (metadata and data, protobuf-encoded), as in Temporal's
 * samples-typescript "encryption" sample. Stored: iv (12 bytes) ‖ ciphertext ‖ tag (16 bytes).
 * Payloads not marked binary/encrypted pass through, so histories recorded before encryption still replay.
 */
export function createPayloadCodec({ encryptWith, keys }: PayloadKeys): PayloadCodec {
  const encryptionKey = keys.get(encryptWith);
  if (!encryptionKey) throw new Error(`no key with id "${encryptWith}"`);
  return {
    async encode(payloads) {
      return payloads.map((payload) => encrypt(payload, encryptWith, encryptionKey));
    },
    async decode(payloads) {
      return payloads.map((payload) => (isEncrypted(payload) ? decrypt(payload, keys) : payload));
    },
  };
}

/** What client and worker share: the default payload converter, then encryption. */
export function encryptingDataConverter(keys: PayloadKeys): DataConverter {
  return { payloadCodecs: [createPayloadCodec(keys)] };
}

export function isEncrypted(payload: Payload): boolean {
  return text(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;
}

function encrypt(payload: Payload, keyId: string, key: Buffer): Payload {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
  const ciphertext = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return {
    metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(keyId), [CIPHER_METADATA]: utf8(CIPHER) },
    data: new Uint8Array(ciphertext),
  };
}

function decrypt(payload: Payload, keys: ReadonlyMap<string, Buffer>): Payload {
  const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
  if (keyId === undefined) throw new PayloadDecryptionError('encrypted payload without an encryption-key-id');
  const key = keys.get(keyId);
  if (!key) throw new PayloadDecryptionError(`payload encrypted with key id "${keyId}", which PAYLOAD_ENCRYPTION_KEYS does not hold`);
  const data = Buffer.from(payload.data ?? new Uint8Array());
  if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`encrypted payload too short (key id "${keyId}")`);
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  let plaintext: Buffer;
  try {
    plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new PayloadDecryptionError(`encrypted payload failed authentication with key id "${keyId}" (altered, or another key under that id)`);
  }
  return temporal.api.common.v1.Payload.decode(plaintext);
}
