import assert from 'node:assert/strict';
import { MAX_ATTACHMENT_BYTES, parseDataUrl } from '../../src/attachments/data-url';
import { dataUrl, PNG, SAMPLES } from '../helpers/samples';

describe('base64 data URL attachments', () => {
  for (const [mime, bytes] of Object.entries(SAMPLES)) {
    it(`accepts ${mime} whose bytes are ${mime}`, () => {
      const parsed = parseDataUrl(dataUrl(mime, bytes));
      assert.ok(!('error' in parsed), JSON.stringify(parsed));
      assert.equal(parsed.mime, mime);
      assert.deepEqual(parsed.bytes, bytes);
    });
  }

  for (const [name, text, error] of [
    ['a PNG declared as JPEG', dataUrl('image/jpeg', PNG), /not image\/jpeg/],
    ['a PNG declared as text', dataUrl('text/plain', PNG), /not text\/plain/],
    ['text with a NUL byte', dataUrl('text/plain', 'a\0b'), /not text\/plain/],
    ['text that is not UTF-8', dataUrl('text/plain', Buffer.from([0xc3, 0x28])), /not text\/plain/],
    ['HTML', dataUrl('text/html', '<script>alert(1)</script>'), /text\/html is not allowed/],
    ['SVG', dataUrl('image/svg+xml', '<svg/>'), /not allowed/],
    ['a mime in capitals', dataUrl('IMAGE/PNG', PNG), /expected data:/],
    ['a media type parameter', `data:text/plain;charset=utf-8;base64,${Buffer.from('hi').toString('base64')}`, /expected data:/],
    ['URL-safe base64', 'data:image/png;base64,iVBORw0KGgo_-A==', /expected data:/],
    ['whitespace in the data', 'data:image/png;base64,iVBO Rw0K', /expected data:/],
    ['truncated base64', `data:image/png;base64,${PNG.toString('base64').slice(0, -1)}`, /truncated/],
    ['no data', 'data:image/png;base64,', /empty/],
    ['not a data URL', 'https://example.com/a.png', /expected data:/],
  ] as const) {
    it(`refuses ${name}, saying why`, () => {
      const parsed = parseDataUrl(text);
      assert.ok('error' in parsed, 'expected an error');
      assert.match(parsed.error, error);
    });
  }

  it('refuses a file one byte over 5 MB once decoded, and accepts one of exactly 5 MB', () => {
    const exact = Buffer.alloc(MAX_ATTACHMENT_BYTES, 0x41);
    PNG.copy(exact);
    assert.ok(!('error' in parseDataUrl(dataUrl('image/png', exact))));
    const over = Buffer.concat([exact, Buffer.from([0])]);
    assert.match((parseDataUrl(dataUrl('image/png', over)) as { error: string }).error, /larger than/);
  });
});
