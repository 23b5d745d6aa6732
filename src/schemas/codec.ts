import { z } from 'zod';
import type { Payload } from '@temporalio/common';

// protobuf JSON writes standard base64 and reads the URL-safe alphabet too. Sizes are bounded by the route's
// body limit (BODY_LIMITS.codec), not here: a documented maxItems of thousands makes fuzzers build arrays that big.
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'expected base64');

/** One Payload in protobuf's JSON form, as Temporal's remote codec protocol sends it (bytes as base64). */
export const payloadJsonSchema = z.object({
  metadata: z.record(z.string(), base64).optional(),
  data: base64.optional(),
});

/** POST /codec/encode and /codec/decode, both ways: `{payloads: [...]}`; protobuf JSON sends none as `{}`. */
export const codecPayloadsSchema = z.object({ payloads: z.array(payloadJsonSchema).default([]) });

export type PayloadJson = z.infer<typeof payloadJsonSchema>;

export function payloadFromJson(json: PayloadJson): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(json.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    data: Buffer.from(json.data ?? '', 'base64'),
  };
}

export function payloadToJson(payload: Payload): PayloadJson {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? new Uint8Array()).toString('base64')])),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}
