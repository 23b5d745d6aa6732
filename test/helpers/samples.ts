export const dataUrl = (mime: string, bytes: Buffer | string) => `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`;

export const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

/** The smallest real file of each allowed type (its first bytes are what is checked). */
export const SAMPLES: Record<string, Buffer> = {
  'image/jpeg': Buffer.from('ffd8ffe000104a464946', 'hex'),
  'image/png': PNG,
  'image/gif': Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'),
  'image/webp': Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x1a, 0, 0, 0]), Buffer.from('WEBPVP8 ')]),
  'application/pdf': Buffer.from('%PDF-1.7\n%âãÏÓ\n', 'latin1'),
  'text/plain': Buffer.from('hello, wörld ✓\n'),
  'audio/mpeg': Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00', 'latin1'),
  'video/mp4': Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42')]),
};
