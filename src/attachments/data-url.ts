/** What a base64 attachment may be, with the file extension it is served under. */
export const ALLOWED_MIME_TYPES = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'audio/mpeg': 'mp3',
  'video/mp4': 'mp4',
} as const;

export type AllowedMime = keyof typeof ALLOWED_MIME_TYPES;

export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
/** The longest data URL that can decode to MAX_ATTACHMENT_BYTES: refused before decoding anything. */
export const MAX_DATA_URL_CHARS = 64 + Math.ceil(MAX_ATTACHMENT_BYTES / 3) * 4;

export interface Upload {
  mime: AllowedMime;
  bytes: Buffer;
}

const DATA_URL = /^data:([a-z]+\/[a-z0-9.+-]+);base64,([A-Za-z0-9+/]*={0,2})$/;

/** Parses `data:<mime>;base64,<data>` strictly; the error says what is wrong in words a client can act on. */
export function parseDataUrl(text: string): Upload | { error: string } {
  const match = DATA_URL.exec(text);
  if (!match) return { error: 'expected data:<mime>;base64,<data> with standard base64 (no spaces, no parameters)' };
  const [, mime, data] = match as unknown as [string, string, string];
  if (!(mime in ALLOWED_MIME_TYPES)) return { error: `${mime} is not allowed; use one of ${Object.keys(ALLOWED_MIME_TYPES).join(', ')}` };
  if (data.length === 0 || data.length % 4 !== 0) return { error: 'the base64 data is empty or truncated' };
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length > MAX_ATTACHMENT_BYTES) return { error: `larger than ${MAX_ATTACHMENT_BYTES} bytes once decoded` };
  if (!matchesMime(mime as AllowedMime, bytes)) return { error: `the content is not ${mime}` };
  return { mime: mime as AllowedMime, bytes };
}

const ascii = (bytes: Buffer, at: number, text: string) => bytes.subarray(at, at + text.length).toString('latin1') === text;

/** Magic numbers: the bytes must be what the declared type says, so a client cannot smuggle one type as another. */
const SIGNATURES: Record<Exclude<AllowedMime, 'text/plain'>, (bytes: Buffer) => boolean> = {
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/gif': (b) => ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a'),
  'image/webp': (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP'),
  'application/pdf': (b) => ascii(b, 0, '%PDF-'),
  // An ID3 tag, or straight into an MPEG audio frame (11 sync bits).
  'audio/mpeg': (b) => ascii(b, 0, 'ID3') || (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0),
  'video/mp4': (b) => ascii(b, 4, 'ftyp'),
};

function matchesMime(mime: AllowedMime, bytes: Buffer): boolean {
  if (mime !== 'text/plain') return SIGNATURES[mime](bytes);
  // Text has no signature: it must be UTF-8 without NUL bytes and must not be one of the binary types in disguise.
  if (bytes.includes(0) || Object.values(SIGNATURES).some((looksLike) => looksLike(bytes))) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
